import { MessageKey } from '../core/messages';
import { Sla, SlaClock, SlaState, TicketSummary } from '../core/models';

/** What the SLA views need of the I18nService (a plain function in tests). */
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export const SLA_STATES: SlaState[] = ['ok', 'warning', 'breached', 'met'];

/** ok green, warning amber, breached red, met blue. */
export const SLA_CLASSES: Record<SlaState, string> = {
  ok: 'bg-green-100 text-green-800',
  warning: 'bg-amber-100 text-amber-800',
  breached: 'bg-red-100 text-red-800',
  met: 'bg-blue-100 text-blue-800',
};

/** How one clock stands: still counting (`running`, `warning`, `breached`), stopped within
 * (`met`) or past (`missed`) its target, or `stopped` without either (a ticket resolved or
 * closed before anyone responded). */
export type ClockOutcome = 'running' | 'warning' | 'breached' | 'met' | 'missed' | 'stopped';

export const OUTCOME_CLASSES: Record<ClockOutcome, string> = {
  running: 'text-green-700',
  warning: 'text-amber-700',
  breached: 'text-red-700',
  met: 'text-blue-700',
  missed: 'text-red-700',
  stopped: 'text-gray-500',
};

export interface ClockView {
  clock: SlaClock;
  targetMs: number;
  outcome: ClockOutcome;
  /** When it falls due while counting (null while paused); null once stopped. */
  dueAt: string | null;
  /** When it stopped (first response given, ticket resolved); null while counting. */
  doneAt: string | null;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** The state an SLA shows (a ticket stored before SLA clocks existed counts as `ok`). */
export function slaState(sla: Pick<Sla, 'state'> | null | undefined): SlaState {
  return sla?.state ?? 'ok';
}

/** Whether a list row marks the SLA: only when it needs someone (warning or breached). */
export function slaNeedsAttention(sla: Pick<Sla, 'state'> | null | undefined): boolean {
  const state = slaState(sla);
  return state === 'warning' || state === 'breached';
}

export function slaStateLabel(state: SlaState, t: Translate): string {
  return t(`slaState.${state}`);
}

/** A length of (business) time in words, sign ignored: "45 min", "2 h 15 min", "3 d 4 h". */
export function humanDuration(ms: number, t: Translate): string {
  const total = Math.abs(ms);
  if (total < MINUTE_MS) return t('duration.underMinute');
  if (total < HOUR_MS) return t('duration.minutes', { m: Math.floor(total / MINUTE_MS) });
  if (total < DAY_MS) {
    const h = Math.floor(total / HOUR_MS);
    const m = Math.floor((total % HOUR_MS) / MINUTE_MS);
    return m ? t('duration.hoursMinutes', { h, m }) : t('duration.hours', { h });
  }
  const d = Math.floor(total / DAY_MS);
  const h = Math.floor((total % DAY_MS) / HOUR_MS);
  return h ? t('duration.daysHours', { d, h }) : t('duration.days', { d });
}

/** The clock `remainingMs` is about: first response until it is given, then resolution. */
export function nextClock(sla: Pick<Sla, 'firstResponseAt'>): SlaClock {
  return sla.firstResponseAt ? 'resolution' : 'first_response';
}

/** "1 h 20 min left for first response" / "Resolution overdue by 35 min"; '' when the read
 * carries no remaining time (lists, or both clocks stopped). */
export function slaRemaining(sla: Pick<Sla, 'remainingMs' | 'firstResponseAt'>, t: Translate): string {
  const remaining = sla.remainingMs;
  if (remaining === null || remaining === undefined) return '';
  const clock = t(`sla.clock.${nextClock(sla)}`);
  const time = humanDuration(remaining, t);
  const Clock = clock ? clock[0].toLocaleUpperCase() + clock.slice(1) : clock;
  return remaining < 0 ? t('sla.overdue', { time, clock, Clock }) : t('sla.left', { time, clock, Clock });
}

/** Both clocks, as the ticket's SLA panel lists them. */
export function slaClocks(ticket: Pick<TicketSummary, 'sla' | 'status' | 'resolvedAt'>): ClockView[] {
  const sla = ticket.sla;
  const stopped = ticket.status === 'resolved' || ticket.status === 'closed';
  const responded = sla.firstResponseAt !== null;
  const resolved = sla.resolutionMet !== null;
  return [
    {
      clock: 'first_response',
      targetMs: sla.firstResponseTarget,
      outcome: responded
        ? sla.firstResponseMet === false ? 'missed' : 'met'
        : counting(sla.firstResponseWarnedAt, sla.firstResponseBreachedAt, stopped),
      dueAt: responded || stopped ? null : sla.firstResponseDueAt,
      doneAt: sla.firstResponseAt,
    },
    {
      clock: 'resolution',
      targetMs: sla.resolutionTarget,
      outcome: resolved
        ? sla.resolutionMet ? 'met' : 'missed'
        : counting(sla.resolutionWarnedAt, sla.resolutionBreachedAt, stopped),
      dueAt: resolved || stopped ? null : sla.resolutionDueAt,
      doneAt: resolved ? ticket.resolvedAt : null,
    },
  ];
}

function counting(warnedAt: string | null, breachedAt: string | null, stopped: boolean): ClockOutcome {
  if (breachedAt) return 'breached';
  if (stopped) return 'stopped';
  return warnedAt ? 'warning' : 'running';
}

/** When the ticket's next target falls due (the sooner of the clocks still counting, as the
 * `slaDue` sort orders them); null while paused or once nothing is due. */
export function nextDue(ticket: Pick<TicketSummary, 'sla' | 'status' | 'resolvedAt'>): string | null {
  const due = slaClocks(ticket)
    .map((clock) => clock.dueAt)
    .filter((at): at is string => !!at)
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  return ticket.sla.paused ? null : (due[0] ?? null);
}
