/**
 * asl-validator's own test definitions (vendored in asl-validator-corpus/, see its README): each
 * valid one must validate with no diagnostic, each invalid one must be refused with at least one.
 * asl-validator-corpus-exceptions.json lists the few where asl-validator's verdict is not AWS's,
 * with the reason; an exception whose verdict came to agree
 * fails the test, so the list cannot go stale. The asl-validator package itself (a devDependency)
 * is run too, to show the fixtures mean what its release says.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validateDefinitionText } from '../../src/core/asl/validate.ts';

const CORPUS = join(import.meta.dirname, 'asl-validator-corpus');
const exceptions: Record<string, string> = JSON.parse(
  readFileSync(join(import.meta.dirname, 'asl-validator-corpus-exceptions.json'), 'utf8'),
);
const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: () => string;
};

const cases = (['valid', 'invalid'] as const).flatMap((verdict) =>
  readdirSync(join(CORPUS, verdict))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ verdict, name: `${verdict}/${file}`, text: readFileSync(join(CORPUS, verdict, file), 'utf8') })),
);

describe("asl-validator's corpus", () => {
  it('has the definitions the README counts', () => {
    assert.equal(cases.filter((c) => c.verdict === 'valid').length, 62);
    assert.equal(cases.filter((c) => c.verdict === 'invalid').length, 50);
    for (const name of Object.keys(exceptions))
      assert.ok(
        cases.some((c) => c.name === name),
        `exception for a missing file: ${name}`,
      );
  });

  for (const c of cases) {
    const exception = exceptions[c.name];
    it(`${c.name}${exception ? ' (exception)' : ''}`, () => {
      assert.equal(aslValidator(JSON.parse(c.text)).isValid, c.verdict === 'valid', 'asl-validator itself disagrees with the folder');
      const diagnostics = validateDefinitionText(c.text);
      const accepted = diagnostics.length === 0;
      if (exception) {
        assert.equal(
          accepted,
          c.verdict !== 'valid',
          `${c.name} is listed as an exception (${exception}) but Hangar now agrees with asl-validator: remove it from the list`,
        );
      } else if (c.verdict === 'valid') assert.deepEqual(diagnostics, []);
      else assert.ok(!accepted, 'an invalid definition was accepted');
    });
  }
});
