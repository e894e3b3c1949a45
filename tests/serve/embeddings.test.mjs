// /v1/embeddings through the official openai client, on the BERT fixture of
// tests/data/hf (random weights, no tokenizer: inputs are token ids). The
// reference is the fixture's own last_hidden_state from Hugging Face
// transformers (reference_hidden.bin), pooled here: the mean over the 48
// tokens or the first token's row, L2-normalised. The engine runs f32 weights;
// transformers' fp32 and a second fp32 backend differ by ~1e-6 in the hidden
// states (reference.json, checks), so 1e-4 per component of a unit vector
// leaves room for summation order and nothing else.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, metrics, sourceDir, cli } from './server.mjs';

const fixture = `${sourceDir}/tests/data/hf/models/bert_encoder`;
const reference = JSON.parse(readFileSync(`${fixture}/reference.json`, 'utf8'));
const ids = reference.input.input_ids;
const [rows, width] = reference.output.shape;
const hiddenBytes = readFileSync(`${fixture}/reference_hidden.bin`);
const hidden = new Float32Array(hiddenBytes.buffer, hiddenBytes.byteOffset, rows * width);
const tolerance = 1e-4;

function normalised(v) {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / norm);
}
const meanPooled = normalised(Array.from({ length: width }, (_, i) => {
  let s = 0;
  for (let t = 0; t < rows; ++t) s += hidden[t * width + i];
  return s / rows;
}));
const clsPooled = normalised(Array.from(hidden.subarray(0, width)));

function assertClose(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < expected.length; ++i) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= tolerance, `${what}: largest difference ${worst} > ${tolerance}`);
}

async function expectApiError(promise, status, param) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.status, status, `status of ${e.message}`);
    if (param !== undefined) assert.equal(e.param, param, `param of ${e.message}`);
    return true;
  });
}

describe('vkllm serve /v1/embeddings (BERT fixture, mean pooling)', () => {
  let server, client;
  before(async () => {
    server = await startServer(['--weights', 'f32'], fixture);
    client = server.client();
  });
  after(async () => {
    if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null });
  });

  it('the embedding of the token ids is the reference hidden states mean-pooled and normalised', async () => {
    const r = await client.embeddings.create({ model: 'bert_encoder', input: ids, encoding_format: 'float' });
    assert.equal(r.object, 'list');
    assert.equal(r.model, 'bert_encoder');
    assert.equal(r.data.length, 1);
    assert.equal(r.data[0].object, 'embedding');
    assert.equal(r.data[0].index, 0);
    assertClose(r.data[0].embedding, meanPooled, 'mean pooling');
    assert.deepEqual(r.usage, { prompt_tokens: ids.length, total_tokens: ids.length });
    // The client's default asks for base64 and decodes it: the same float32 values.
    const b = await client.embeddings.create({ model: 'bert_encoder', input: ids });
    assert.deepEqual(b.data[0].embedding, r.data[0].embedding);
  });

  it('a batch of token arrays: one embedding per input, in order, each as if alone', async () => {
    const short = ids.slice(0, 16);
    const alone = (await client.embeddings.create({ model: 'bert_encoder', input: short, encoding_format: 'float' })).data[0].embedding;
    const r = await client.embeddings.create({ model: 'bert_encoder', input: [ids, short, ids], encoding_format: 'float' });
    assert.deepEqual(r.data.map((d) => d.index), [0, 1, 2]);
    assertClose(r.data[0].embedding, meanPooled, 'input 0');
    assert.deepEqual(r.data[1].embedding, alone);
    assert.deepEqual(r.data[2].embedding, r.data[0].embedding);
    const norm = Math.sqrt(alone.reduce((s, x) => s + x * x, 0));
    assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
    assert.equal(r.usage.prompt_tokens, 2 * ids.length + short.length);
    const m = await metrics(server.url);
    assert.ok(m.vkllm_embedding_inputs_total >= 5);
  });

  it('bad input: 400 naming the field; text endpoints refuse an encoder', async () => {
    await expectApiError(client.embeddings.create({ model: 'bert_encoder', input: 'no tokenizer here' }), 400, 'input');
    await expectApiError(client.embeddings.create({ model: 'bert_encoder', input: [1, 999] }), 400, 'input');
    await expectApiError(client.embeddings.create({ model: 'bert_encoder', input: [] }), 400, 'input');
    await expectApiError(client.embeddings.create({ model: 'bert_encoder', input: new Array(200).fill(5) }), 400, 'input');
    await expectApiError(client.embeddings.create({ model: 'bert_encoder', input: ids, encoding_format: 'int8' }), 400, 'encoding_format');
    await expectApiError(client.embeddings.create({ model: 'bert_encoder', input: ids, dimensions: 8 }), 400, 'dimensions');
    await expectApiError(client.embeddings.create({ model: 'other', input: ids }), 400, 'model');
    await expectApiError(client.chat.completions.create({ model: 'bert_encoder', messages: [{ role: 'user', content: 'hi' }] }), 400, 'model');
    await expectApiError(client.completions.create({ model: 'bert_encoder', prompt: [5, 6] }), 400, 'model');
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
  });
});

describe('vkllm serve /v1/embeddings (CLS pooling from sentence-transformers 1_Pooling/config.json)', () => {
  it('the embedding is the first token\'s reference row, normalised', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vkllm-bert-cls-'));
    const model = join(dir, 'bert_cls');
    mkdirSync(join(model, '1_Pooling'), { recursive: true });
    for (const f of ['config.json', 'model.safetensors']) symlinkSync(`${fixture}/${f}`, join(model, f));
    writeFileSync(join(model, '1_Pooling', 'config.json'),
      JSON.stringify({ word_embedding_dimension: width, pooling_mode_cls_token: true, pooling_mode_mean_tokens: false }));
    const server = await startServer(['--weights', 'f32'], model);
    try {
      const r = await server.client().embeddings.create({ model: 'bert_cls', input: ids, encoding_format: 'float' });
      assertClose(r.data[0].embedding, clsPooled, 'cls pooling');
    } finally {
      assert.deepEqual(await server.stop(), { code: 0, signal: null });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Text inputs: a random encoder (make-model) whose vocabulary is that of the
// small SentencePiece-style tokenizer in tests/data/tokenizers; a string's
// embedding must be that of its ids as `vkllm tokenize --add-special` gives them.
describe('vkllm serve /v1/embeddings with a tokenizer: text inputs', () => {
  it('a string and an array of strings embed as their token ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vkllm-encoder-'));
    const tokenizer = `${sourceDir}/tests/data/tokenizers/tiny_sentencepiece/tokenizer.json`;
    writeFileSync(join(dir, 'encoder.toml'), [
      'name = "tiny-encoder"', 'kind = "encoder_only"',
      '[model]', 'vocab_size = 280', 'hidden_size = 32', 'num_layers = 1', 'num_heads = 2', 'max_position = 64', 'type_vocab_size = 2',
      '[norm]', 'type = "layernorm"', 'epsilon = 1e-12', 'bias = true', 'placement = "post"',
      '[position]', 'type = "learned"', '[attention]', 'qkv_bias = true', 'out_bias = true',
      '[ffn]', 'gated = false', 'activation = "gelu"', 'intermediate_size = 64', 'bias = true',
      '[embeddings]', 'tied = true', 'norm = true', '[output]', 'final_norm = false', ''].join('\n'));
    execFileSync(cli, ['make-model', '--config', join(dir, 'encoder.toml'), '--out', join(dir, 'model')], { stdio: 'ignore' });
    const texts = ['In the beginning', 'And God said'];
    const ids = texts.map((t) => JSON.parse(execFileSync(cli, ['tokenize', '--tokenizer', tokenizer, '--add-special'], { input: t, encoding: 'utf8' })));
    const server = await startServer(['--tokenizer', tokenizer], join(dir, 'model', 'model.toml'));
    try {
      const client = server.client();
      const model = (await client.models.list()).data[0].id;
      const embed = async (input) => (await client.embeddings.create({ model, input, encoding_format: 'float' }));
      const one = await embed(texts[0]);
      assert.deepEqual(one.data[0].embedding, (await embed(ids[0])).data[0].embedding);
      assert.equal(one.usage.prompt_tokens, ids[0].length);
      const both = await embed(texts);
      assert.deepEqual(both.data.map((d) => d.embedding), (await embed(ids)).data.map((d) => d.embedding));
      assert.notDeepEqual(both.data[0].embedding, both.data[1].embedding);
      assert.equal(both.usage.prompt_tokens, ids[0].length + ids[1].length);
    } finally {
      assert.deepEqual(await server.stop(), { code: 0, signal: null });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
