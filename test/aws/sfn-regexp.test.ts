/**
 * A hostile regular expression in a JSONata state, through the real AWS SDK against a started
 * Hangar: the server keeps answering, the state gets its result or States.QueryEvaluationError.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type SFNClient, TestStateCommand } from '@aws-sdk/client-sfn';
import { testPlatform, type TestPlatform } from '../helpers/platform.ts';
import { sfnClient } from '../helpers/sfn.ts';

let p: TestPlatform;
let alice: SFNClient;

before(async () => {
  p = await testPlatform({}, { api: true, workers: false });
  alice = sfnClient(p.url!, (await p.inject({ method: 'POST', url: '/keys', payload: { userId: 'alice' } })).json());
});
after(() => p.close());

const hostile = JSON.stringify({ s: `${'a'.repeat(40)}!` });
const pass = (output: string) =>
  alice.send(
    new TestStateCommand({
      definition: JSON.stringify({ Type: 'Pass', QueryLanguage: 'JSONata', Output: output, End: true }),
      input: hostile,
    }),
  );

describe('Regular expressions in JSONata through the AWS SDK', () => {
  it('a catastrophic pattern ends with its result or States.QueryEvaluationError, and the server answers meanwhile', async () => {
    const [linear, lookahead, health] = await Promise.all([
      pass("{% $replace($states.input.s, /^(a+)+$/, 'x') & '|' & $string($contains($states.input.s, /^(a+)+$/)) %}"),
      pass('{% $contains($states.input.s, /^(?=(a+)+$)/) %}'),
      fetch(`${p.url}/health`),
    ]);
    assert.deepEqual([linear.status, JSON.parse(linear.output!)], ['SUCCEEDED', `${'a'.repeat(40)}!|false`]);
    assert.deepEqual([lookahead.status, lookahead.error], ['FAILED', 'States.QueryEvaluationError']);
    assert.match(lookahead.cause!, /the regular expression \/\^\(\?=\(a\+\)\+\$\)\/ ran longer than 1000 ms and was stopped/);
    assert.equal(health.status, 200);
  });
});
