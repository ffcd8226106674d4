// Every ```js block of the README and of docs/*.md runs as written, from a scratch folder inside the
// package (so `import 'concurrent-log'` resolves to this package), and exits cleanly. Every relative
// link in them points to a file that exists and, with an #anchor, to a heading of that file.
import test from 'ava';
import { readFileSync, readdirSync, existsSync, statSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from './helpers/core.mjs';

// The README had 10 ```js blocks before it was cut to a short one and the rest moved to docs/
// (issue 20): docs/ must keep every one of them.
const BLOCKS_BEFORE_SPLIT = 10;

const pages = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const text = Object.fromEntries(pages.map((page) => [page, readFileSync(join(ROOT, page), 'utf8')]));
const jsBlocks = (md) => [...md.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

test('the README has runnable examples', (t) => {
  t.true(jsBlocks(text['README.md']).length >= 2);
});

test(`docs/ has at least the ${BLOCKS_BEFORE_SPLIT} runnable examples the README had before the split`, (t) => {
  const count = pages.filter((p) => p.startsWith('docs/')).reduce((n, p) => n + jsBlocks(text[p]).length, 0);
  t.true(count >= BLOCKS_BEFORE_SPLIT, `${count} blocks in docs/`);
});

for (const page of pages) {
  jsBlocks(text[page]).forEach((code, i) => {
    const title = code.split('\n').find((l) => l.trim() && !l.startsWith('import')) ?? '';
    test(`${page} example ${i + 1} runs: ${title.trim().slice(0, 60)}`, (t) => {
      const dir = mkdtempSync(join(ROOT, '.readme-run-'));
      try {
        writeFileSync(join(dir, 'example.mjs'), code);
        const r = spawnSync(process.execPath, ['example.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
        t.is(r.status, 0, `${r.stderr}\n${r.stdout}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/** Markdown without its fenced code blocks and inline code spans, which hold no links or headings. */
const prose = (md) =>
  md
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, (code) => code.replace(/[[\]()#]/g, ' '));

/** GitHub's heading anchors: lower case, spaces to '-', punctuation other than '-' and '_' dropped; repeats get -1, -2... */
function anchors(md) {
  const seen = new Map();
  const out = new Set();
  for (const m of md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

test('the anchor rule is GitHub’s', (t) => {
  const a = anchors(
    '# Rotation by size: `ConcurrentRotatingFileHandler`\n## `npm run stress` — the 500,000-line test\n' +
      '```sh\n# not a heading\n```\n### Size_within a.period\n# Size_within a.period\n',
  );
  t.deepEqual(
    [...a],
    [
      'rotation-by-size-concurrentrotatingfilehandler',
      'npm-run-stress--the-500000-line-test',
      'size_within-aperiod',
      'size_within-aperiod-1',
    ],
  );
});

/** The relative links of a page that do not point to an existing file, or to a heading of it. */
function brokenLinks(page, md = text[page]) {
  const broken = [];
  for (const m of prose(md).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const [path, anchor] = target.split('#');
    const file = path ? join(ROOT, dirname(page), decodeURIComponent(path)) : join(ROOT, page);
    if (relative(ROOT, file).startsWith('..') || !existsSync(file)) {
      broken.push(`${target}: no file ${relative(ROOT, file)}`);
    } else if (anchor !== undefined) {
      if (!statSync(file).isFile() || !file.endsWith('.md'))
        broken.push(`${target}: an anchor into a non-Markdown file`);
      else if (!anchors(path ? readFileSync(file, 'utf8') : md).has(decodeURIComponent(anchor)))
        broken.push(`${target}: no heading #${anchor} in ${relative(ROOT, file)}`);
    }
  }
  return broken;
}

test('the link check finds broken links', (t) => {
  const md =
    '[a](docs/nowhere.md) [b](#nowhere) [c](docs/handler.md#nowhere) [d](#the-readme) [e](https://x.org/#y)\n# The README\n';
  t.deepEqual(brokenLinks('README.md', md), [
    'docs/nowhere.md: no file docs/nowhere.md',
    '#nowhere: no heading #nowhere in README.md',
    'docs/handler.md#nowhere: no heading #nowhere in docs/handler.md',
  ]);
});

for (const page of pages) {
  test(`${page}: every relative link points to a file and heading that exist`, (t) => {
    t.deepEqual(brokenLinks(page), []);
  });
}
