// Load: 256 concurrent streaming clients on `vkllm serve` (loopback, bounded
// in count and time: 32 generated at once, the rest queued, 4-8 tokens each),
// a quarter of them disconnecting mid-stream at random.
// Every completed response equals the same request run alone (greedy), each
// client gets exactly one answer (none lost, none duplicated), and afterwards
// /metrics shows 0 running, 0 queued and 0 used KV blocks and the server is
// healthy. f32 weights and KV cache: a batched step's rows differ from a lone
// step's only in summation order, far below the model's top-1/top-2 gaps
// (tests/forward/scheduler_test.cpp), so greedy picks are exact.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitIdle, metrics, modelId } from './server.mjs';

const clients = 256;
const prompts = ['And God said', 'In the beginning', 'The LORD is my shepherd', 'And it came to pass',
  'Blessed are the', 'Then Jesus', 'And Moses spake', 'For God so loved'];
const maxTokens = (i) => 4 + (i % 5);

// A seeded generator, so a failing run can be repeated.
function rng(seed) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
}

describe('vkllm serve under load', () => {
  let server, client;
  before(async () => {
    server = await startServer(['--max-concurrent', '32', '--queue', String(clients), '--weights', 'f32', '--kv-type', 'f32']);
    client = server.client();
  });
  after(async () => {
    if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null });
  });

  it(`${clients} streaming clients, a quarter disconnecting: answers equal lone runs, nothing leaks`, { timeout: 150000 }, async () => {
    const request = (i) => ({ model: modelId, prompt: prompts[i % prompts.length], max_tokens: maxTokens(i), temperature: 0, ignore_eos: true });
    // Alone, one at a time: the reference for each distinct request.
    const alone = new Map();
    for (let i = 0; i < prompts.length * 5; ++i) {
      const key = JSON.stringify(request(i));
      if (!alone.has(key)) alone.set(key, (await client.completions.create(request(i))).choices[0].text);
    }
    const ok = (m) => m['vkllm_requests_total{route="/v1/completions",status="200"}'] ?? 0;
    const before = await metrics(server.url);
    const random = rng(14);
    const leaving = new Set();
    while (leaving.size < clients / 4) leaving.add(Math.floor(random() * clients));
    const outcome = await Promise.all(Array.from({ length: clients }, async (_, i) => {
      const controller = new AbortController();
      const stream = await client.completions.create({ ...request(i), stream: true }, { signal: controller.signal });
      let text = '', finishes = 0, chunks = 0;
      const leaveAfter = 1 + Math.floor(random() * 2);
      try {
        for await (const chunk of stream) {
          for (const c of chunk.choices) {
            text += c.text;
            if (c.finish_reason) ++finishes;
          }
          if (leaving.has(i) && ++chunks === leaveAfter) controller.abort();  // the stream ends quietly
        }
      } catch (e) {
        if (!leaving.has(i) || e.name !== 'AbortError') throw e;
      }
      if (controller.signal.aborted) return { i, left: true };
      return { i, left: false, text, finishes };
    }));
    assert.equal(outcome.length, clients);
    let completed = 0;
    for (const o of outcome) {
      if (o.left) continue;
      ++completed;
      assert.equal(o.finishes, 1, `client ${o.i} got ${o.finishes} finish reasons`);
      assert.equal(o.text, alone.get(JSON.stringify(request(o.i))), `client ${o.i}`);
    }
    assert.ok(completed >= clients * 3 / 4 - 1, `${completed} completed`);
    const idle = await waitIdle(server.url);
    // One response per client, none refused, none twice; only those that left were cancelled.
    assert.equal(ok(idle) - ok(before), clients, 'completions answered');
    const cancelled = idle.vkllm_requests_cancelled_total - before.vkllm_requests_cancelled_total;
    assert.ok(cancelled <= leaving.size, `${cancelled} cancelled, ${leaving.size} left`);
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    const after = await client.completions.create(request(0));
    assert.equal(after.choices[0].text, alone.get(JSON.stringify(request(0))));
  });
});
