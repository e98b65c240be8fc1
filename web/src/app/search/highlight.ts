/** A piece of text, marked when it is one of the words searched for. */
export interface Part {
  text: string;
  hit: boolean;
}

/** Lower case without accents, one character for one (`Peña` → `pena`), so positions in the
 * folded text are positions in the original. */
export function fold(text: string): string {
  let out = '';
  for (const char of text) {
    const bare = char.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
    out += bare.length === char.length ? bare : char.toLowerCase().slice(0, char.length).padEnd(char.length, ' ');
  }
  return out;
}

/** The words of a search as the server matches them: quotes dropped, folded, no blanks. */
export function searchWords(query: string): string[] {
  return [...new Set(fold(query.replace(/"/g, ' ')).split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0))];
}

/** `text` cut into parts, the words found (whatever their case and accents) marked. */
export function highlight(text: string, words: readonly string[]): Part[] {
  const folded = fold(text);
  const marks: boolean[] = new Array(text.length).fill(false);
  for (const word of words) {
    if (!word) continue;
    for (let at = folded.indexOf(word); at >= 0; at = folded.indexOf(word, at + word.length)) {
      marks.fill(true, at, at + word.length);
    }
  }
  const parts: Part[] = [];
  for (let i = 0; i < text.length; ) {
    let end = i;
    while (end < text.length && marks[end] === marks[i]) end++;
    parts.push({ text: text.slice(i, end), hit: marks[i] });
    i = end;
  }
  return parts;
}

/** Up to `radius` characters either side of the first word found in `text` (with … where it was
 * cut); the text's start when no word is in it. */
export function snippet(text: string, words: readonly string[], radius = 60): string {
  const folded = fold(text);
  const found = words.map((word) => folded.indexOf(word)).filter((at) => at >= 0);
  const first = found.length ? Math.min(...found) : 0;
  const start = Math.max(0, first - radius);
  const end = Math.min(text.length, first + radius * 2);
  return `${start > 0 ? '…' : ''}${text.slice(start, end).trim()}${end < text.length ? '…' : ''}`;
}
