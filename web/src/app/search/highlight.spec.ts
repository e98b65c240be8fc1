import { fold, highlight, searchWords, snippet } from './highlight';

const marked = (text: string, query: string) =>
  highlight(text, searchWords(query))
    .map((part) => (part.hit ? `[${part.text}]` : part.text))
    .join('');

describe('search highlights', () => {
  it('fold case and accents one character for one', () => {
    expect(fold('Peña ÁLVAREZ')).toBe('pena alvarez');
    expect(fold('Peña ÁLVAREZ').length).toBe('Peña ÁLVAREZ'.length);
  });

  it('mark every word found whatever its accents and case', () => {
    expect(marked('Poste sin energía en la Calle Juárez', 'energia juarez')).toBe('Poste sin [energía] en la Calle [Juárez]');
    expect(marked('LÁMPARA apagada', '"lampara"')).toBe('[LÁMPARA] apagada');
    expect(marked('nada aquí', 'poste')).toBe('nada aquí');
  });

  it('cut a long text around the first word found', () => {
    const text = `${'a'.repeat(100)} poste ${'b'.repeat(200)}`;
    const cut = snippet(text, ['poste'], 20);
    expect(cut.startsWith('…')).toBe(true);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut).toContain('poste');
    expect(snippet('corto', ['nada'])).toBe('corto');
  });
});
