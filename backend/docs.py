"""The OpenAPI document and a self-contained page that renders it (no CDN: works offline)."""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

DOCS_HTML = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>一网 API 文档</title>
<style>
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;padding:1rem;max-width:60rem;margin:auto;color:#222}
h1{font-size:1.4rem} .op{border:1px solid #ddd;border-radius:6px;margin:.6rem 0;padding:.4rem .8rem}
.m{display:inline-block;min-width:4.5rem;font-weight:bold;text-transform:uppercase}
.get{color:#1989fa}.post{color:#07c160}.put{color:#ff976a}.delete{color:#ee0a24}
pre{background:#f7f8fa;padding:.5rem;overflow:auto;font-size:.8rem} summary{cursor:pointer}
</style></head><body>
<h1 id="title">一网 API</h1><p id="desc"></p><p><a href="/api/openapi.json">openapi.json</a></p><div id="ops">加载中…</div>
<script>
fetch('/api/openapi.json').then(r=>r.json()).then(doc=>{
  document.getElementById('title').textContent=doc.info.title+' '+doc.info.version;
  document.getElementById('desc').textContent=doc.info.description||'';
  const ops=document.getElementById('ops'); ops.textContent='';
  for(const [path,item] of Object.entries(doc.paths)){
    for(const [method,op] of Object.entries(item)){
      const d=document.createElement('details'); d.className='op';
      const s=document.createElement('summary');
      const m=document.createElement('span'); m.className='m '+method; m.textContent=method;
      s.append(m, document.createTextNode(path+'  —  '+(op.summary||''))); d.append(s);
      const pre=document.createElement('pre'); pre.textContent=JSON.stringify(op,null,2); d.append(pre);
      ops.append(d);
    }
  }
  const d=document.createElement('details'); d.className='op';
  d.innerHTML='<summary>components.schemas</summary>';
  const pre=document.createElement('pre'); pre.textContent=JSON.stringify(doc.components,null,2); d.append(pre); ops.append(d);
});
</script></body></html>"""


def openapi_endpoint(document: dict):
    async def openapi_json(request: Request) -> JSONResponse:
        return JSONResponse(document)

    return openapi_json


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def _docs_csp() -> str:
    """The page's own inline script and style by hash, and nothing else (the API's default forbids both)."""
    script = re.search(r"<script>(.*?)</script>", DOCS_HTML, re.S)
    style = re.search(r"<style>(.*?)</style>", DOCS_HTML, re.S)
    assert script is not None and style is not None
    return (
        f"default-src 'none'; script-src {_sha256(script.group(1))}; style-src {_sha256(style.group(1))}; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )


async def docs_page(request: Request) -> HTMLResponse:
    return HTMLResponse(DOCS_HTML, headers={"Content-Security-Policy": _docs_csp()})
