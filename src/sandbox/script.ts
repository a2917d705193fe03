/**
 * Dropper-script reading for shell, Python and Perl: the downloads, executions, permission
 * changes, persistence writes and process kills a script would perform, without running it.
 */
export interface ScriptFacts {
  language: 'shell' | 'python' | 'perl';
  downloads: string[];
  executes: string[];
  chmods: string[];
  persistence: string[];
  kills: string[];
  lines: number;
}

export const PERSISTENCE_PATHS =
  /(\/etc\/(init\.d|rc\.d|rc\.local|inittab|cron|crontab|systemd|profile|ld\.so\.preload)|\/var\/spool\/cron|\.bashrc|\.profile|\/lib\/systemd|\bcrontab\b|systemctl\s+enable)/;

export function scriptLanguage(text: string): ScriptFacts['language'] | null {
  const first = text.slice(0, 200).split('\n')[0];
  if (/^#!.*\b(sh|bash|ash|dash|busybox)\b/.test(first)) return 'shell';
  if (/^#!.*python/.test(first)) return 'python';
  if (/^#!.*perl/.test(first)) return 'perl';
  if (/^\s*(import |from \S+ import )/m.test(text)) return 'python';
  if (/^\s*use (strict|IO::Socket|Socket)/m.test(text)) return 'perl';
  if (/(^|[;&|\n]\s*)(wget|curl|tftp|chmod|cd|echo|busybox)\s/.test(text)) return 'shell';
  return null;
}

export function parseScript(text: string): ScriptFacts | null {
  const language = scriptLanguage(text);
  if (!language) return null;
  const f: ScriptFacts = {
    language,
    downloads: [],
    executes: [],
    chmods: [],
    persistence: [],
    kills: [],
    lines: text.split('\n').length,
  };
  const add = (list: string[], v: string): void => {
    if (list.length < 200 && !list.includes(v)) list.push(v);
  };
  if (language === 'shell') {
    for (const stmt of text.split(/\n|;|&&|\|\|/)) {
      const s = stmt.trim();
      const words = s.split(/\s+/);
      const cmd = words[0]?.replace(/^.*\//, '') ?? '';
      const arg0 = words[0] === 'busybox' || words[0] === '/bin/busybox' ? words[1] : cmd;
      if (['wget', 'curl'].includes(arg0)) {
        const url = words.find((w) => /^(https?|ftp):\/\//.test(w) || /^\d+\.\d+\.\d+\.\d+[:/]/.test(w));
        if (url) add(f.downloads, url.replace(/^["']|["']$/g, ''));
      } else if (arg0 === 'tftp') {
        const r = words.indexOf('-r');
        const host =
          words.filter((w) => !w.startsWith('-'))[words[0] === 'tftp' ? 2 : 3] ?? words[words.length - 1];
        add(f.downloads, `tftp://${host}/${r >= 0 ? words[r + 1] : ''}`);
      } else if (arg0 === 'ftpget') {
        const ops = words.slice(1).filter((w) => !w.startsWith('-'));
        add(f.downloads, `ftp://${ops[0]}/${ops[2] ?? ops[1]}`);
      } else if (arg0 === 'chmod') add(f.chmods, words.slice(1).join(' '));
      else if (/^\.?\.?\//.test(words[0] ?? '') || ['sh', 'bash'].includes(arg0)) add(f.executes, s);
      else if (['kill', 'killall', 'pkill'].includes(arg0)) add(f.kills, s);
      if (PERSISTENCE_PATHS.test(s)) add(f.persistence, s);
    }
  } else {
    for (const m of text.matchAll(/["']((?:https?|ftp):\/\/[^"']+)["']/g)) add(f.downloads, m[1]);
    for (const m of text.matchAll(/(os\.system|subprocess\.\w+|system|exec|`)\s*\(?\s*["']([^"']+)["']/g))
      add(f.executes, m[2]);
    for (const m of text.matchAll(/(?:os\.chmod|chmod)\s*\(?[^\n]*/g)) add(f.chmods, m[0]);
    for (const line of text.split('\n')) if (PERSISTENCE_PATHS.test(line)) add(f.persistence, line.trim());
  }
  return f;
}
