// The pages' one stylesheet and one script. The stylesheet is served from our origin under a name
// carrying its hash (immutable, cached a year, shared by every page), so the pages need no inline
// style and the CSP allows styles from 'self' only. The script is inline and allowed by its hash:
// pages are cached (src/public-cache.ts), and a nonce baked into a cached page would be the same
// for every visitor — a hash is what a strict CSP uses for cached pages.
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";

const CSS = `:root{color-scheme:light dark;--fg:#1b1b1f;--muted:#5c5c66;--bg:#fff;--card:#f4f4f7;--line:#d9d9e0;--accent:#4a3fd1}
@media (prefers-color-scheme:dark){:root{--fg:#ececf1;--muted:#a5a5b3;--bg:#17171c;--card:#212128;--line:#34343e;--accent:#a59cff}}
*{box-sizing:border-box}body{font:16px/1.5 system-ui,sans-serif;margin:0;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}main,.top{max-width:42rem;margin:0 auto;padding:0 1rem}img,video{max-width:100%;height:auto}img.emoji{height:1.25em;width:auto;vertical-align:-.25em;margin:0 .05em}
.banner{display:block;width:100%;max-height:14rem;object-fit:cover;background:var(--card)}
.top header{display:flex;gap:1rem;align-items:flex-end;flex-wrap:wrap}
.avatar{width:6rem;height:6rem;margin-top:-2.5rem;border-radius:.75rem;border:3px solid var(--bg);background:var(--card);object-fit:cover}
.small{width:2.5rem;height:2.5rem;margin:0;border-width:0;border-radius:.5rem}
h1{font-size:1.5rem;margin:.25rem 0 0;overflow-wrap:anywhere}.muted,.meta{color:var(--muted);font-size:.9rem}
.handle{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
.handle input{font:inherit;color:inherit;background:var(--card);border:1px solid var(--line);border-radius:.4rem;padding:.2rem .4rem;max-width:100%}
button,.button{font:inherit;border:1px solid var(--accent);background:var(--accent);color:var(--bg);border-radius:.4rem;padding:.3rem .8rem;cursor:pointer;text-decoration:none}
button.plain{background:none;color:var(--accent)}
dl{display:grid;grid-template-columns:minmax(6rem,max-content) 1fr;gap:0 1rem;margin:1rem 0;border-top:1px solid var(--line)}
dt,dd{margin:0;padding:.4rem 0;border-bottom:1px solid var(--line);overflow-wrap:anywhere}dt{font-weight:600}
.verified{color:#1a7f37}@media (prefers-color-scheme:dark){.verified{color:#56d364}}
.counts{display:flex;gap:1.25rem;list-style:none;padding:0;margin:.5rem 0}
article{border-top:1px solid var(--line);padding:1rem 0}article.focus{font-size:1.1rem}
.by{display:flex;gap:.6rem;align-items:center}.by p{margin:0}
.content{overflow-wrap:anywhere}details>summary{cursor:pointer;background:var(--card);border-radius:.4rem;padding:.3rem .6rem}
.media{display:grid;gap:.4rem;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));margin:.5rem 0}
.media img,.media video{border-radius:.4rem;width:100%}.media audio{width:100%}
.link-card{display:flex;gap:.75rem;border:1px solid var(--line);border-radius:.5rem;padding:.5rem;margin:.5rem 0;color:inherit;text-decoration:none}.link-card img{width:6rem;height:6rem;object-fit:cover;border-radius:.3rem;flex:none}.link-card>span{display:flex;flex-direction:column;gap:.2rem;min-width:0}.poll{list-style:none;padding:0}.poll li{background:linear-gradient(90deg,var(--card) var(--p),transparent var(--p));padding:.2rem .5rem;border-radius:.3rem;margin:.2rem 0}
.interact{display:flex;gap:.4rem;flex-wrap:wrap;align-items:center;margin:.5rem 0}
.interact input{font:inherit;min-width:0;flex:1 1 12rem;padding:.3rem .5rem;border:1px solid var(--line);border-radius:.4rem;background:var(--bg);color:inherit}
.pinned,.context{border-left:3px solid var(--line);padding-left:.75rem}nav.pages{padding:1rem 0 2rem}
footer{max-width:42rem;margin:2rem auto;padding:0 1rem 2rem;color:var(--muted);font-size:.85rem}
main.dash{max-width:60rem}.dash section{border-top:1px solid var(--line);margin-top:1.5rem}form.inline{display:inline}
.rows{list-style:none;padding:0}.rows li{padding:.4rem 0;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid var(--line);white-space:nowrap}td.wrap{white-space:normal;overflow-wrap:anywhere;min-width:9rem}
.bad{color:#b42318}@media (prefers-color-scheme:dark){.bad{color:#ff8a80}}`;

// Copy buttons are hidden until this runs: without JavaScript the handle stays a selectable field.
export const PAGE_SCRIPT = `for(const b of document.querySelectorAll("button[data-copy]")){b.hidden=false;b.addEventListener("click",async()=>{const f=document.getElementById(b.dataset.copy);try{await navigator.clipboard.writeText(f.value)}catch{f.select();document.execCommand("copy")}b.textContent="Copied"})}`;

function fnv(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

export const STYLESHEET_PATH = `/assets/roost.${fnv(CSS)}.css`;

let scriptHash: Promise<string> | null = null;

/** The CSP source of PAGE_SCRIPT: 'sha256-…'. */
export function pageScriptSource(): Promise<string> {
  scriptHash ??= crypto.subtle.digest("SHA-256", new TextEncoder().encode(PAGE_SCRIPT)).then((d) => {
    let binary = "";
    for (const b of new Uint8Array(d)) binary += String.fromCharCode(b);
    return `'sha256-${btoa(binary)}'`;
  });
  return scriptHash;
}

export const assets = new Hono<AppEnv>().get(STYLESHEET_PATH, (c) =>
  c.body(CSS, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=31536000, immutable" }),
);
