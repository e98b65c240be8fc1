import { describe, expect, it } from 'vitest';

import { Language } from '../core/models';
import { CHIP_MESSAGES, ChipKey, ChipWords, chipsOf } from './filter-chips';
import { DEFAULT_FILTERS, FIGURES, ListFilters } from './ticket-list.state';

const NAMES: Record<string, string> = { 'ag-1': 'Ana Pérez', 'ag-2': 'Luis Soto' };
const CHANNELS: Record<Language, Record<string, string>> = {
  es: { whatsapp: 'WhatsApp', email: 'Correo' },
  en: { whatsapp: 'WhatsApp', email: 'Email' },
};

function words(language: Language): ChipWords {
  return {
    t: (key: ChipKey, params: Record<string, string> = {}) =>
      CHIP_MESSAGES[language][key].replace(/\{(\w+)\}/g, (whole, name: string) => params[name] ?? whole),
    agent: (id) => NAMES[id] ?? id,
    source: (value) => CHANNELS[language][value] ?? value,
    language,
  };
}

/** Local midnight of a day and the last millisecond of another (the report's buckets as the
 * browser reads them, whatever its time zone). */
function days(from: [number, number, number], to: [number, number, number]): { figureFrom: string; figureTo: string } {
  return {
    figureFrom: new Date(from[0], from[1] - 1, from[2]).toISOString(),
    figureTo: new Date(to[0], to[1] - 1, to[2], 23, 59, 59, 999).toISOString(),
  };
}

const label = (filters: ListFilters, language: Language, key: string) => chipsOf(filters, words(language)).find((chip) => chip.key === key)?.label;

describe("the list's filter chips", () => {
  it('name several agents and channels in one chip each, in the language', () => {
    const filters = { ...DEFAULT_FILTERS, agent: ['ag-1', 'ag-2'], channel: ['whatsapp', 'email'] };
    expect(label(filters, 'es', 'agent')).toBe('Asignados a Ana Pérez, Luis Soto');
    expect(label(filters, 'en', 'agent')).toBe('Assigned to Ana Pérez, Luis Soto');
    expect(label(filters, 'es', 'channel')).toBe('Canal: WhatsApp, Correo');
    expect(label(filters, 'en', 'channel')).toBe('Channel: WhatsApp, Email');
    const chips = chipsOf(filters, words('es'));
    expect(chips.find((chip) => chip.key === 'agent')?.clear).toEqual({ agent: [] });
    expect(chips.find((chip) => chip.key === 'channel')?.clear).toEqual({ channel: [] });
  });

  it("name a report's figure and its days, and clear the figure with its period", () => {
    const filters = { ...DEFAULT_FILTERS, figure: 'reopened' as const, ...days([2026, 12, 1], [2026, 12, 7]) };
    expect(label(filters, 'es', 'figure')).toBe('Informe: reabiertos · 1 dic 2026 – 7 dic 2026');
    expect(label(filters, 'en', 'figure')).toBe('Report: reopened · Dec 1, 2026 – Dec 7, 2026');
    const chip = chipsOf(filters, words('es')).find((c) => c.key === 'figure');
    expect(chip?.clear).toEqual({ figure: '', figureFrom: '', figureTo: '' });
  });

  it('read the backlog at its instant', () => {
    const filters = { ...DEFAULT_FILTERS, figure: 'backlog' as const, ...days([2026, 12, 1], [2026, 12, 7]) };
    expect(label(filters, 'es', 'figure')).toMatch(/^Informe: pendientes al 7 dic 2026.*(23:59|11:59)/);
    expect(label(filters, 'en', 'figure')).toMatch(/^Report: backlog at Dec 7, 2026.*(23:59|11:59)/);
  });

  it('give every figure a name of its own in both languages', () => {
    for (const language of ['es', 'en'] as const) {
      const names = FIGURES.map((figure) => CHIP_MESSAGES[language][`chips.figure.${figure}`]);
      expect(names.every((name) => typeof name === 'string' && name.length > 0)).toBe(true);
      expect(new Set(names).size).toBe(FIGURES.length);
    }
  });

  it('show nothing for the filters the bar has controls for', () => {
    expect(chipsOf({ ...DEFAULT_FILTERS, status: ['open'], assigned: 'me' }, words('es'))).toEqual([]);
  });
});
