/** The address a worker host advertises for its function port (core/function-address.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advertisedFunctionAddress, isFunctionAddress, isLoopbackAddress } from '../../src/core/index.ts';

describe('advertisedFunctionAddress', () => {
  it('takes a host (with the port listened on), a host and port, or a base URL; else the bind', () => {
    const at = (setting: string | undefined, bind = '127.0.0.1') => advertisedFunctionAddress(setting, bind, 4100, 'worker-3');
    assert.equal(at('10.0.0.5'), 'http://10.0.0.5:4100');
    assert.equal(at('worker-3.internal:80'), 'http://worker-3.internal:80', 'a port written out is kept, 80 too');
    assert.equal(at('[fd00::5]'), 'http://[fd00::5]:4100');
    assert.equal(at('[FD00::5]:8091'), 'http://[fd00::5]:8091');
    assert.equal(at('http://proxy.internal:8091/'), 'http://proxy.internal:8091');
    assert.equal(at('https://proxy.internal/fn'), 'https://proxy.internal/fn');
    assert.equal(at(undefined), 'http://127.0.0.1:4100');
    assert.equal(at(undefined, '0.0.0.0'), 'http://worker-3:4100');
    assert.equal(at(undefined, 'fd00::5'), 'http://[fd00::5]:4100');
  });

  it('refuses what is neither', () => {
    for (const bad of ['', 'ftp://h', 'h:0', 'h:65536', 'h/path', 'user@h', 'fd00::5', 'http://h/?q=1', 'a b'])
      assert.equal(isFunctionAddress(bad), false, bad);
  });
});

describe('isLoopbackAddress', () => {
  it('is loopback for 127/8, ::1, localhost and IPv4-mapped loopback', () => {
    for (const a of [
      'http://127.0.0.1:1',
      'http://127.9.9.9:1',
      'http://[::1]:1',
      'http://localhost:1',
      'http://a.localhost',
      'http://[::ffff:127.0.0.1]:1',
    ])
      assert.equal(isLoopbackAddress(a), true, a);
    for (const a of ['http://10.0.0.5:1', 'http://worker-3:1', 'http://[fd00::1]:1', 'http://128.0.0.1', 'http://127.example.com'])
      assert.equal(isLoopbackAddress(a), false, a);
  });
});
