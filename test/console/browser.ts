/** Shared by the browser tests: Debian chromium's flags and axe-core's accessible-name rules run in the page. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** axe-core in the page: violations of the rules that say a control has no accessible name. */
export async function unnamedControls(page: Page): Promise<string[]> {
  const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: axe });
  const names = [
    'button-name',
    'link-name',
    'label',
    'select-name',
    'input-button-name',
    'aria-input-field-name',
    'image-alt',
    'role-img-alt',
    'aria-command-name',
  ];
  const out = (await page.evaluate(async (rules) => {
    const w = globalThis as unknown as {
      document: unknown;
      axe: {
        run: (
          ctx: unknown,
          o: unknown,
        ) => Promise<{ violations: Array<{ id: string; nodes: Array<{ target: string[] }> }> }>;
      };
    };
    const r = await w.axe.run(w.document, { runOnly: { type: 'rule', values: rules } });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, names)) as string[];
  return out;
}
