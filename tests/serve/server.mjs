// Starts `vkllm serve` on a free loopback port (--port 0; the URL line names
// the port) and stops it; shared by the serve tests. The server's stderr is
// kept: a validation message in it fails the test that stops the server.
import { spawn, execFileSync } from 'node:child_process';
import http from 'node:http';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';

export const cli = process.env.VKLLM_CLI;
export const sourceDir = process.env.VKLLM_SOURCE_DIR;
if (!cli || !sourceDir) throw new Error('VKLLM_CLI and VKLLM_SOURCE_DIR must name the vkllm binary and the source folder');
export const modelDir = `${sourceDir}/models/default`;
export const modelId = 'default';

export async function startServer(args = [], model = modelDir) {
  const child = spawn(cli, ['serve', '-m', model, '--port', '0', '-q', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vkllm serve printed no URL within 120 s:\n${stderr}`)), 120000);
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = stderr.match(/ at (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`vkllm serve exited (${code}) before listening:\n${stderr}`)); });
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`vkllm serve did not start: ${e.message}`)); });
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    url,
    child,
    stderr: () => stderr,
    // A fresh connection per request: a kept-alive socket that the server closes
    // (idle past its keep-alive timeout) while the client reuses it is a
    // "socket hang up" the client does not retry (maxRetries 0).
    client: (apiKey = 'none', options = {}) =>
      new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0, timeout: 120000, httpAgent: new http.Agent({ keepAlive: false }), ...options }),
    // SIGTERM (or `signal`), then the exit status; no validation message may have been printed.
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      const result = await exited;
      assert.doesNotMatch(stderr, /validation (error|warning)/, 'the validation layer reported a message');
      return result;
    },
  };
}

// The Prometheus text of /metrics as { name or name{labels}: value }.
export async function metrics(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

// Polls /metrics until no request runs or waits and no KV block is held.
export async function waitIdle(url, ms = 10000) {
  const until = Date.now() + ms;
  let m;
  while (Date.now() < until) {
    m = await metrics(url);
    if (m.vkllm_requests_running === 0 && m.vkllm_requests_queued === 0 && m.vkllm_kv_blocks_used === 0) return m;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`the server did not become idle: ${JSON.stringify(m)}`);
}

// `vkllm run --greedy` on the same model: the reference for greedy outputs
// (without its default repetition penalty, which OpenAI requests do not have).
export function runGreedy(prompt, n) {
  const out = execFileSync(cli, ['run', '-m', modelDir, '--greedy', '--repeat-penalty', '1', '--json', '-q', '-p', prompt, '-n', String(n)], { encoding: 'utf8' });
  return JSON.parse(out);
}

// `vkllm logits` (the GPU forward pass alone) over token ids: every row's logits.
export function forwardLogits(ids) {
  const dir = mkdtempSync(join(tmpdir(), 'vkllm-logits-'));
  try {
    execFileSync(cli, ['logits', '-m', modelDir, '--tokens', ids.join(','), '-o', `${dir}/rows.bin`], { stdio: ['ignore', 'ignore', 'pipe'] });
    const bytes = readFileSync(`${dir}/rows.bin`);
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function tokenize(text) {
  const out = execFileSync(cli, ['tokenize', '--tokenizer', `${modelDir}/tokenizer.json`, '--add-special'], { input: text, encoding: 'utf8' });
  return JSON.parse(out);
}
