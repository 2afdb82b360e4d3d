/**
 * The sandbox user has a name (passwd and group entries bound over the root's own) and a login's
 * environment (USER, LOGNAME, HOME, LANG) unless the task sets its own: under bubblewrap and
 * under the util-linux fallback, on the host's root and on an image's. Skipped, with the
 * reason, where the host cannot sandbox.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ExecutionRequest, ProcessExecutor } from '../../src/executor/index.ts';
import { ImageStore } from '../../src/images/index.ts';
import { makeRootfs } from '../helpers/rootfs.ts';
import { ENGINES, SANDBOX_UID as UID, executionRequest, sandboxTestDir, testSandboxes } from '../helpers/sandbox.ts';

const { dir, workDir } = sandboxTestDir('hangar-sbx-id-');
// An image with a passwd file of its own, and a group file that is a link to the host's
// /etc/shadow: the worker, root, must not read through it.
const imagesDir = join(dir, 'images');
const src = join(dir, 'named-src');
makeRootfs(src);
writeFileSync(join(src, 'etc', 'passwd'), `root:x:0:0:root:/root:/bin/sh\nold:x:${UID}:${UID}::/:/bin/sh\n`);
symlinkSync('/etc/shadow', join(src, 'etc', 'group'));
await new ImageStore(imagesDir).importDir('named', src);

const engines = ENGINES;
const reports = await testSandboxes(workDir, 'id', { imagesDir });
after(async () => {
  for (const r of reports.values()) await r.executor?.close();
  rmSync(dir, { recursive: true, force: true });
});

const req = (over: Partial<ExecutionRequest>) => executionRequest(workDir, over);

for (const engine of engines) {
  const { executor, skip } = reports.get(engine)!;
  const sbx = executor as ProcessExecutor;
  const sh = async (shell: string, over: Partial<ExecutionRequest> = {}) => {
    const r = await sbx.run(req({ shell, ...over }));
    assert.equal(r.status, 'SUCCESS', r.stderr.data.toString());
    return r.stdout.data.toString();
  };

  describe(`sandbox (${engine}): the task's user has a name`, { skip }, () => {
    it("whoami, id -un and id -gn name the sandbox user; the host's own entries are still there", async () => {
      const out = await sh('whoami; id -un; id -gn; getent passwd root | cut -d: -f1; getent passwd sandbox');
      assert.equal(out, `sandbox\nsandbox\nsandbox\nroot\nsandbox:x:${UID}:${UID}:Hangar sandboxed task:/workspace:/bin/sh\n`);
    });

    it("Python's getpass.getuser() and pwd find it", {
      skip: existsSync('/usr/bin/python3') ? false : 'no /usr/bin/python3 on this host',
    }, async () => {
      const out = await sh(
        `python3 -c 'import getpass, os, pwd; print(getpass.getuser(), pwd.getpwuid(os.getuid()).pw_name, pwd.getpwuid(os.getuid()).pw_dir)'`,
        { env: { USER: '', LOGNAME: '' } },
      );
      assert.equal(out, 'sandbox sandbox /workspace\n');
    });

    it('USER, LOGNAME, HOME and LANG are set as a login sets them, unless the task sets its own', async () => {
      const show = 'echo "$USER $LOGNAME $HOME $LANG"';
      assert.equal(await sh(show), 'sandbox sandbox /workspace C.UTF-8\n');
      assert.equal(await sh(show, { env: { USER: 'u', LOGNAME: 'l', HOME: '/tmp', LANG: 'de_DE.UTF-8' } }), 'u l /tmp de_DE.UTF-8\n');
    });

    it("an image's passwd gets the sandbox user in place of its uid's entry; a linked group file is not followed", {
      skip: engine === 'unshare' ? 'the util-linux fallback runs no images' : false,
    }, async () => {
      const out = await sh('cat /etc/passwd; cat /etc/group 2>&1 || echo no-group', { image: 'named' });
      assert.equal(
        out,
        `root:x:0:0:root:/root:/bin/sh\nsandbox:x:${UID}:${UID}:Hangar sandboxed task:/workspace:/bin/sh\n` +
          'cat: /etc/group: No such file or directory\nno-group\n',
      );
    });
  });
}
