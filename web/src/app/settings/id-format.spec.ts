import { TicketIdFormat } from '../core/models';
import { formatTicketId, nextTicketId, sequenceOf } from './id-format-settings';

const LUX: TicketIdFormat = { prefix: 'LUX', includeYear: true, padLength: 6, separator: '-' };

describe('ticket id preview', () => {
  it('formats ids as the tickets service does', () => {
    expect(formatTicketId(LUX, 2026, 1)).toBe('LUX-2026-000001');
    expect(formatTicketId({ prefix: 'FOOD', includeYear: false, padLength: 4, separator: '_' }, 2026, 12)).toBe('FOOD_0012');
  });

  it('continues the newest ticket of the same counter', () => {
    expect(sequenceOf('LUX-2026-000041', LUX, 2026)).toBe(41);
    expect(nextTicketId(LUX, 'LUX-2026-000041', 2026)).toBe('LUX-2026-000042');
  });

  it('starts at 1 for a new prefix or a new year', () => {
    expect(nextTicketId({ ...LUX, prefix: 'RPT' }, 'LUX-2026-000041', 2026)).toBe('RPT-2026-000001');
    expect(nextTicketId(LUX, 'LUX-2025-000041', 2026)).toBe('LUX-2026-000001');
    expect(nextTicketId(LUX, null, 2026)).toBe('LUX-2026-000001');
  });
});
