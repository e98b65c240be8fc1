import { SeenTickets } from './notifications.service';
import { initials, others } from './presence.service';

describe('unread marks from the tickets I opened', () => {
  it('marks a ticket changed since I last opened it, never one I never opened', () => {
    localStorage.clear();
    const seen = new SeenTickets('me');
    expect(seen.changedSince('LUX-1', '2026-11-30T10:00:00Z')).toBe(false);
    seen.saw('LUX-1', '2026-11-30T10:00:00Z');
    expect(seen.changedSince('LUX-1', '2026-11-30T10:00:00Z')).toBe(false);
    expect(seen.changedSince('LUX-1', '2026-11-30T10:05:00Z')).toBe(true);
    expect(new SeenTickets('me').changedSince('LUX-1', '2026-11-30T10:05:00Z')).toBe(true);
    expect(new SeenTickets('someone-else').changedSince('LUX-1', '2026-11-30T10:05:00Z')).toBe(false);
  });
});

describe('presence chips', () => {
  it('shows initials of the others, typing only until the ping runs out', () => {
    expect(initials('Ana María Ruiz')).toBe('AR');
    expect(initials('José')).toBe('J');
    const viewers = [
      { agentId: 'me', name: 'Yo Mismo', typing: true },
      { agentId: 'ana', name: 'Ana Ruiz', typing: true },
    ];
    const until = new Map([['ana', 5000]]);
    expect(others(viewers, 'me', until, 4000)).toEqual([{ agentId: 'ana', name: 'Ana Ruiz', typing: true }]);
    expect(others(viewers, 'me', until, 6000)).toEqual([{ agentId: 'ana', name: 'Ana Ruiz', typing: false }]);
  });
});
