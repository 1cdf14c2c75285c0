import { Readability } from '@mozilla/readability';
import { load } from 'cheerio';
import { parseHTML } from 'linkedom';
import { collapse } from '../coerce.js';
import { isDateline } from '../normalise.js';
import { removeChrome } from '../items/page-blocks.js';
import { textLines, type ParsedPage } from './parsed-page.js';

/**
 * The page's main content as text (one line per block) and how it was found; null when the page has
 * no text. Chrome is removed first by page watching's rules (navigation, banners, cookie and ad
 * slots, the page's header and footer), and lines that are only a dateline are left out, so a
 * snapshot of the text changes when the content does.
 */
export function mainContent(page: ParsedPage): { content: string; via: string } | null {
  if (page.kind === 'json') return { content: JSON.stringify(page.json, null, 2), via: 'the JSON document' };
  const $ = load(page.body);
  removeChrome($);
  const article = readable($.html());
  if (article) return { content: article, via: 'the main content found by Readability' };
  const root = $('body').get(0) ?? $.root().get(0);
  const text = root ? contentLines(textLines(root)).join('\n') : '';
  return text ? { content: text, via: 'the visible text of the page body, without navigation, header and footer' } : null;
}

const contentLines = (lines: string[]) => lines.filter((line) => !isDateline(line));

function readable(html: string): string | null {
  try {
    const { document } = parseHTML(html);
    const article = new Readability(document).parse();
    if (!article?.content) return null;
    const $ = load(article.content);
    const root = $.root().get(0);
    const lines = root ? contentLines(textLines(root)) : [];
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
