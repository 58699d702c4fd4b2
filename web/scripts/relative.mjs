// SvelteKit writes the hash-router shell with absolute asset paths (/_app/…). The dashboard is
// served from `/` by the hub but also from a sub-path (GitHub Pages: /user/repo/) or a folder,
// so every path in index.html is made relative to the page. The JS chunks import each other
// relatively already.
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../build/index.html', import.meta.url);
const html = readFileSync(file, 'utf8');
const fixed = html.replace(/(href|src|import\()(=?)(["'])\/(?!\/)/g, '$1$2$3./');
if (fixed.includes('"/_app')) throw new Error('an absolute /_app path is left in index.html');
writeFileSync(file, fixed);
