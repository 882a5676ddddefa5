/**
 * `import-hf` reads config.json and tokenizer.json as strict UTF-8 JSON: a key written twice is refused naming it
 * (JSON.parse kept the last silently), a UTF-8 byte-order mark is accepted in both (as in JSONL files); a tokenizer
 * whose `model` is not an object says so, and a directory with vocab.txt but no tokenizer.json is told how to write one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HfImportError, importHfBert } from '../../src/hf';
import { tempDir } from '../support/harness';
import { writeTinyHfBert } from './fixtures';

const scratch = tempDir();
let cases = 0;

/** The message of the HfImportError importing `hf` fails with. */
async function importError(hf: string): Promise<string> {
  return importHfBert(hf, join(hf, '..', `out-${++cases}`)).then(
    () => assert.fail('import should fail'),
    (err: Error) => {
      assert.ok(err instanceof HfImportError, String(err));
      return err.message;
    },
  );
}

/** A fresh tiny BERT directory, then `edit` applied to it. */
function fixture(edit: (hf: string) => void = () => {}): string {
  const hf = writeTinyHfBert(join(scratch, `case-${++cases}`, 'hf'));
  edit(hf);
  return hf;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

test('import-hf refuses a config.json or tokenizer.json holding a key twice, naming the file and the key', async () => {
  const config = fixture((hf) => writeFileSync(join(hf, 'config.json'), readFileSync(join(hf, 'config.json'), 'utf8').replace('"hidden_size": 16', '"hidden_size": 8, "hidden_size": 16')));
  assert.match(await importError(config), /hf\/config\.json: the key "hidden_size" appears twice in one object; JSON\.parse would keep the last value: keep one/);
  const tokenizer = fixture((hf) => writeFileSync(join(hf, 'tokenizer.json'), readFileSync(join(hf, 'tokenizer.json'), 'utf8').replace('"[UNK]":1,', '"[UNK]":1,"[UNK]":2,')));
  assert.match(await importError(tokenizer), /hf\/tokenizer\.json: cannot read the tokenizer: the key "\[UNK\]" appears twice in one object/);
});

test('import-hf accepts a UTF-8 byte-order mark in config.json and tokenizer.json', async () => {
  const hf = fixture((dir) => {
    for (const f of ['config.json', 'tokenizer.json']) writeFileSync(join(dir, f), Buffer.concat([BOM, readFileSync(join(dir, f))]));
  });
  const imported = await importHfBert(hf, join(hf, '..', 'out'));
  assert.equal(imported.config.hidden_size, 16);
});

test('import-hf says a tokenizer.json model that is not an object is not one, and a missing one is missing', async () => {
  const tokenizer = (json: string) => fixture((hf) => writeFileSync(join(hf, 'tokenizer.json'), json));
  assert.match(await importError(tokenizer('{"model": 5}')), /tokenizer\.json: field model is 5, not an object \(a Hugging Face tokenizer\.json has an object model/);
  assert.match(await importError(tokenizer('{"model": null}')), /tokenizer\.json: field model is null, not an object/);
  assert.match(await importError(tokenizer('{"version": "1.0"}')), /tokenizer\.json: field model is missing/);
});

test('import-hf tells a directory without tokenizer.json how to write it, and that vocab.txt alone is not supported', async () => {
  const vocabOnly = fixture((hf) => {
    rmSync(join(hf, 'tokenizer.json'));
    writeFileSync(join(hf, 'vocab.txt'), '[PAD]\n[UNK]\n');
  });
  assert.match(
    await importError(vocabOnly),
    /hf\/tokenizer\.json: no such file; vocab\.txt alone \(a slow tokenizer\) is not supported: import-hf needs the fast tokenizer's tokenizer\.json\. Write it with Python transformers: AutoTokenizer\.from_pretrained\(".*hf"\)\.save_pretrained\(".*hf"\)/,
  );
  const none = fixture((hf) => rmSync(join(hf, 'tokenizer.json')));
  const message = await importError(none);
  assert.match(message, /tokenizer\.json: no such file: import-hf needs the fast tokenizer's tokenizer\.json\. Write it with Python transformers/);
});
