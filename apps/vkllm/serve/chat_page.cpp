#include "chat_page.h"

namespace vkllm::serve {

const std::string& chat_page_html() {
    static const std::string page = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vkllm</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;max-width:46rem;margin:1rem auto;padding:0 1rem}
#log div{white-space:pre-wrap;margin:.5rem 0;padding:.5rem;border-radius:.4rem}
.user{background:#e8f0fe}.assistant{background:#f1f3f4}.error{background:#fde7e9}
form{display:flex;gap:.5rem}#msg{flex:1;padding:.4rem}#key{width:9rem}
</style></head><body>
<h1>vkllm</h1><p id="model">…</p>
<div id="log"></div>
<form id="f"><input id="msg" autocomplete="off" placeholder="Message"><input id="key" placeholder="API key (if set)">
<button id="send">Send</button></form>
<script>
const log = document.getElementById('log'), msg = document.getElementById('msg'), key = document.getElementById('key');
const history = []; let model = null;
function add(cls, text) { const d = document.createElement('div'); d.className = cls; d.textContent = text; log.appendChild(d); return d; }
function headers() { const h = {'Content-Type': 'application/json'}; if (key.value) h.Authorization = 'Bearer ' + key.value; return h; }
async function loadModel() {
  const r = await fetch('/v1/models', {headers: headers()});
  if (!r.ok) { document.getElementById('model').textContent = 'GET /v1/models: HTTP ' + r.status; return; }
  model = (await r.json()).data[0].id; document.getElementById('model').textContent = 'model: ' + model;
}
document.getElementById('f').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const text = msg.value; if (!text) return; msg.value = '';
  if (!model) await loadModel();
  add('user', text); history.push({role: 'user', content: text});
  const out = add('assistant', '');
  try {
    const r = await fetch('/v1/chat/completions', {method: 'POST', headers: headers(),
      body: JSON.stringify({model, messages: history, stream: true, max_tokens: 128})});
    if (!r.ok) { out.className = 'error'; out.textContent = (await r.json()).error.message; history.pop(); return; }
    const reader = r.body.getReader(), dec = new TextDecoder(); let buf = '';
    for (;;) {
      const {value, done} = await reader.read(); if (done) break;
      buf += dec.decode(value, {stream: true});
      let i; while ((i = buf.indexOf('\n\n')) >= 0) {
        const ev = buf.slice(0, i); buf = buf.slice(i + 2);
        if (!ev.startsWith('data: ') || ev === 'data: [DONE]') continue;
        const j = JSON.parse(ev.slice(6));
        if (j.error) { out.className = 'error'; out.textContent += j.error.message; continue; }
        for (const c of j.choices) if (c.delta && c.delta.content) out.textContent += c.delta.content;
      }
    }
    history.push({role: 'assistant', content: out.textContent});
    out.dataset.done = 'true';
  } catch (e) { out.className = 'error'; out.textContent = String(e); history.pop(); }
});
loadModel();
</script></body></html>
)HTML";
    return page;
}

}  // namespace vkllm::serve
