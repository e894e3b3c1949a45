// The chat page (GET /) in headless Chromium (Debian's chromium, driven by
// playwright-core): it loads nothing from outside the server (no CDN), a typed
// message gets a reply that streams in (the reply's text changes several
// times before the stream ends, over a chat/completions request with
// stream: true answered as text/event-stream).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

const executablePath = '/usr/bin/chromium';

describe('the chat page in headless Chromium', () => {
  let server, browser;
  before(async () => {
    assert.ok(existsSync(executablePath), `${executablePath} is missing: scripts/deps.sh installs Debian's chromium`);
    server = await startServer([]);
    // --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  });
  after(async () => {
    if (browser) await browser.close();
    if (server) assert.deepEqual(await server.stop(), { code: 0, signal: null });
  });

  it('a typed message gets a streamed reply; nothing is loaded from outside', { timeout: 60000 }, async () => {
    const page = await browser.newPage();
    const outside = [], chats = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(`${server.url}/`)) outside.push(r.url());
      if (r.url().endsWith('/v1/chat/completions')) chats.push(r);
    });
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => document.getElementById('model').textContent.startsWith('model: '));
    // Every change of the reply's text, counted in the page.
    await page.evaluate(() => {
      window.replyChanges = 0;
      new MutationObserver(() => { window.replyChanges++; })
        .observe(document.getElementById('log'), { subtree: true, childList: true, characterData: true });
    });
    await page.fill('#msg', 'And God said');
    await page.click('#send');
    await page.waitForSelector('#log .assistant[data-done="true"]', { timeout: 50000 });
    const reply = await page.textContent('#log .assistant');
    assert.ok(reply.length > 0, 'an empty reply');
    assert.equal(await page.textContent('#log .user'), 'And God said');
    assert.equal(chats.length, 1);
    assert.equal(JSON.parse(chats[0].postData()).stream, true);
    const response = await chats[0].response();
    assert.match(response.headers()['content-type'], /^text\/event-stream/);
    // The user's message and the reply's empty box, then the reply piece by piece.
    const changes = await page.evaluate(() => window.replyChanges);
    assert.ok(changes >= 4, `the reply's text changed ${changes} times`);
    assert.deepEqual(outside, [], 'requests outside the server');
  });
});
