/**
 * A small Lua scanner for the contract tests: separates code from comments and collects string
 * literals, so a check never mistakes a comment or a string for code (or the reverse).
 */
export interface LuaScan {
  /** The source with comments blanked out (strings kept). */
  code: string;
  /** Contents of every string literal in code, with its 1-based line. */
  strings: { text: string; line: number }[];
}

/** Scans Lua source (short and long comments, quoted strings with escapes; no long strings). */
export function scanLua(src: string): LuaScan {
  let code = '';
  const strings: LuaScan['strings'] = [];
  let line = 1;
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '-' && src[i + 1] === '-') {
      const long = src.startsWith('--[[', i);
      const end = long ? src.indexOf(']]', i) + 2 : src.indexOf('\n', i);
      const stop = end <= (long ? 1 : -1) ? src.length : end;
      const comment = src.slice(i, stop);
      code += comment.replace(/[^\n]/g, ' ');
      line += (comment.match(/\n/g) ?? []).length;
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let text = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') {
          text += src[j + 1] ?? '';
          j += 2;
        } else text += src[j++];
      }
      strings.push({ text, line });
      code += src.slice(i, j + 1);
      i = j + 1;
    } else {
      if (c === '\n') line++;
      code += c;
      i++;
    }
  }
  return { code, strings };
}
