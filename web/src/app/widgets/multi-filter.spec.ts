import { summarise, toggled } from './multi-filter';

const OPTIONS = [
  { value: 'open', label: 'Abierto' },
  { value: 'in_progress', label: 'En progreso' },
  { value: 'closed', label: 'Cerrado' },
];

describe('a several-value filter', () => {
  it('names what is chosen in the options order, or "any"', () => {
    expect(summarise(OPTIONS, ['in_progress', 'open'], 'Todos')).toBe('Abierto, En progreso');
    expect(summarise(OPTIONS, [], 'Todos')).toBe('Todos');
    expect(summarise(OPTIONS, ['gone'], 'Todos')).toBe('gone');
  });

  it('keeps the choice in the options order as values are ticked', () => {
    expect(toggled(OPTIONS, ['closed'], 'open', true)).toEqual(['open', 'closed']);
    expect(toggled(OPTIONS, ['open', 'closed'], 'open', false)).toEqual(['closed']);
  });
});
