/**
 * The report formats by name, each one formatter file of src/report/. The CLI imports only this file:
 * every formatter but text is loaded on first use (a dynamic import, a chunk of its own in the bundled
 * CLI), so a text or JSON run does not pay for the others.
 */
import { formatJsonChunks } from './json.js';
import type { Report } from './schema.js';
import { formatText } from './text.js';

export const FORMATS = ['text', 'json', 'sarif', 'junit', 'markdown', 'html'] as const;
export type FormatName = (typeof FORMATS)[number];

export interface RenderOptions {
  /** ANSI colours (text only). */
  color: boolean;
  /** ksymcheck's version, for formats that name the tool (SARIF). */
  toolVersion: string;
  /** Where to learn about the tool: an absolute URI (SARIF's tool.driver.informationUri). */
  informationUri: string;
  /** Text: every finding of every module, however many were checked (text.ts, DETAIL_THRESHOLD). */
  verbose?: boolean;
}

/** The whole report in one format, as the pieces of text to write (JSON: one per module; SARIF: one per result). */
export async function render(report: Report, format: FormatName, opts: RenderOptions): Promise<Iterable<string>> {
  switch (format) {
    case 'text':
      return [formatText(report, { color: opts.color, verbose: opts.verbose })];
    case 'json':
      return formatJsonChunks(report);
    case 'sarif':
      return (await import('./sarif.js')).formatSarifChunks(report, { toolVersion: opts.toolVersion, informationUri: opts.informationUri });
    case 'junit':
      return [(await import('./junit.js')).formatJunit(report)];
    case 'markdown':
      return [(await import('./markdown.js')).formatMarkdown(report)];
    case 'html':
      return [(await import('./html.js')).formatHtml(report, { toolVersion: opts.toolVersion })];
  }
}
