/** A CPU profile of this thread (node:inspector) over part of a benchmark, 100 µs sampling:
 *  `const stop = await startProfile(); ...; writeFileSync(file, JSON.stringify(await stop()))`,
 *  read with bench/profile-summary.ts. */
import { Session } from 'node:inspector/promises';

export async function startProfile(): Promise<() => Promise<object>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return profile;
  };
}
