import { Readability } from '@mozilla/readability';
import { load } from 'cheerio';
import { parseHTML } from 'linkedom';
import { collapse } from './coerce.js';
import { textLines, type ParsedPage } from './parsed-page.js';

/** Site chrome that is never the page's content. */
const CHROME = 'nav, aside, footer, [role=navigation], [role=banner], [role=contentinfo], [role=search], [aria-hidden=true]';

/** The page's main content as text (one line per block) and how it was found; null when the page has no text. */
export function mainContent(page: ParsedPage): { content: string; via: string } | null {
  if (page.kind === 'json') return { content: JSON.stringify(page.json, null, 2), via: 'the JSON document' };
  const article = readable(page.body);
  if (article) return { content: article, via: 'the main content found by Readability' };
  const $ = load(page.body);
  $(`${CHROME}, header`).remove();
  const root = $('body').get(0) ?? $.root().get(0);
  const text = root ? textLines(root).join('\n') : '';
  return text ? { content: text, via: 'the visible text of the page body, without navigation, header and footer' } : null;
}

function readable(html: string): string | null {
  try {
    const { document } = parseHTML(/<html[\s>]/i.test(html) ? html : `<!doctype html><html><body>${html}</body></html>`);
    // Readability usually drops chrome itself; removing it first keeps short pages from keeping their menus.
    for (const el of [...document.querySelectorAll(CHROME)]) el.remove();
    for (const el of [...document.querySelectorAll('header')]) if (!el.closest('article, main')) el.remove();
    const article = new Readability(document as unknown as Document).parse();
    if (!article?.content) return null;
    const $ = load(article.content);
    const root = $.root().get(0);
    const lines = root ? textLines(root) : [];
    if (lines.length === 0) return null;
    // Readability drops the heading that repeats the title; the title is part of the content all the same.
    const title = collapse(article.title ?? '');
    if (title && lines[0] !== title) lines.unshift(title);
    return lines.join('\n');
  } catch {
    // Readability gives up on some markup; the caller falls back to the body text.
    return null;
  }
}
