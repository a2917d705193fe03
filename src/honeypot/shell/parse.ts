/**
 * Splits a shell line into pipelines of simple commands: quotes, `;`, `&&`, `||`, `|`, `&` and the
 * redirections `>`, `>>`, `<`, `2>&1`, `2>/dev/null` droppers use. Bounded: a line has at most
 * MAX_WORDS words so a hostile line cannot blow up the session.
 */
export interface SimpleCommand {
  argv: string[];
  /** Output redirection target and whether it appends. */
  out?: { path: string; append: boolean };
  input?: string;
}

export interface Step {
  /** How this step is joined to the previous one. */
  join: ';' | '&&' | '||';
  pipeline: SimpleCommand[];
}

const MAX_WORDS = 4096;

export class ShellSyntaxError extends Error {}

export function parseLine(line: string): Step[] {
  const tokens: Array<{ t: 'w' | 'op'; v: string }> = [];
  let i = 0;
  let word = '';
  let inWord = false;
  const flush = (): void => {
    if (inWord) tokens.push({ t: 'w', v: word });
    word = '';
    inWord = false;
    if (tokens.length > MAX_WORDS) throw new ShellSyntaxError('line too long');
  };
  while (i < line.length) {
    const c = line[i];
    if (c === "'") {
      const j = line.indexOf("'", i + 1);
      if (j < 0) throw new ShellSyntaxError('unterminated quoted string');
      word += line.slice(i + 1, j);
      inWord = true;
      i = j + 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1])) {
          word += line[j + 1];
          j += 2;
        } else word += line[j++];
      }
      if (j >= line.length) throw new ShellSyntaxError('unterminated quoted string');
      inWord = true;
      i = j + 1;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[i + 1];
      inWord = true;
      i += 2;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      flush();
      i++;
    } else if (c === '#' && !inWord) {
      break;
    } else if (';|&<>'.includes(c)) {
      const two = line.slice(i, i + 2);
      if (/^[0-9]$/.test(word) && c === '>' && inWord) {
        // fd redirection like 2>/dev/null or 2>&1: swallow it
        word = '';
        inWord = false;
        let j = i + 1;
        if (line[j] === '>') j++;
        if (line[j] === '&') j += 2;
        else {
          while (line[j] === ' ') j++;
          while (j < line.length && !' ;|&'.includes(line[j])) j++;
        }
        i = j;
        continue;
      }
      flush();
      if (two === '&&' || two === '||' || two === '>>') {
        tokens.push({ t: 'op', v: two });
        i += 2;
      } else {
        tokens.push({ t: 'op', v: c });
        i++;
      }
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  flush();

  const steps: Step[] = [];
  let join: Step['join'] = ';';
  let pipeline: SimpleCommand[] = [];
  let cmd: SimpleCommand = { argv: [] };
  const endCmd = (): void => {
    if (cmd.argv.length > 0) pipeline.push(cmd);
    cmd = { argv: [] };
  };
  const endStep = (next: Step['join']): void => {
    endCmd();
    if (pipeline.length > 0) steps.push({ join, pipeline });
    pipeline = [];
    join = next;
  };
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k];
    if (tok.t === 'w') cmd.argv.push(tok.v);
    else if (tok.v === '|') endCmd();
    else if (tok.v === ';' || tok.v === '&') endStep(';');
    else if (tok.v === '&&' || tok.v === '||') endStep(tok.v);
    else if (tok.v === '>' || tok.v === '>>' || tok.v === '<') {
      const target = tokens[k + 1];
      if (!target || target.t !== 'w') throw new ShellSyntaxError(`syntax error: unexpected redirection`);
      if (tok.v === '<') cmd.input = target.v;
      else cmd.out = { path: target.v, append: tok.v === '>>' };
      k++;
    }
  }
  endStep(';');
  return steps;
}
