/** `hangar image import | list | rm`: the images of this host's workers (in HANGAR_DATA_DIR). */
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../../config/index.ts';
import { ImageError, ImageStore, type ImageInfo } from '../../images/index.ts';
import { time } from '../render.ts';
import { print, printJson } from './common.ts';

type ConfigFrom = (flags: Record<string, unknown>) => Config;

const storeFor = (config: Config) => new ImageStore(join(resolve(config.dataDir), 'images'));

function describe(i: ImageInfo): string {
  const layers = i.layers ? `, ${i.layers} layer${i.layers === 1 ? '' : 's'}` : '';
  return `${i.name}\t${(i.bytes / 1048576).toFixed(1)} MB${layers}\tfrom ${i.source}\t${time(i.createdAt)}`;
}

export function imageCommands(program: Command, config: ConfigFrom, withServerOptions: (c: Command) => Command): void {
  const image = program.command('image').description("Root filesystems tasks can run in (task field 'image'), kept in the data directory");

  withServerOptions(
    image
      .command('import')
      .description('Register a root filesystem: a directory (e.g. made by debootstrap) or an OCI image tarball (OCI layout or docker save)')
      .argument('<name>', 'image name: lowercase letters, digits, _ . -')
      .argument('<path>', 'a directory, or a .tar file')
      .option('--replace', 'replace the image of that name: functions run the new one from their next invocation')
      .option('--json', 'print the image as JSON'),
  ).action(async (name: string, path: string, flags: Record<string, unknown>) => {
    const { json, replace, ...rest } = flags;
    const images = storeFor(config(rest));
    const src = resolve(path);
    const o = { replace: replace === true };
    const info = (await stat(src).catch(() => null))?.isDirectory()
      ? await images.importDir(name, src, o)
      : await images.importTarball(name, src, o);
    if (json) printJson(info);
    else print(`imported ${describe(info)}`);
  });

  withServerOptions(image.command('list').description('Registered images').option('--json', 'print JSON')).action(
    async (flags: Record<string, unknown>) => {
      const { json, ...rest } = flags;
      const list = await storeFor(config(rest)).list();
      if (json) printJson(list);
      else print(list.length ? list.map(describe).join('\n') : 'no images (hangar image import <name> <dir|tarball>)');
    },
  );

  withServerOptions(image.command('rm').description('Remove an image').argument('<name>')).action(
    async (name: string, flags: Record<string, unknown>) => {
      if (!(await storeFor(config(flags)).remove(name))) throw new ImageError(`no image ${name}`);
      print(`removed ${name}`);
    },
  );
}
