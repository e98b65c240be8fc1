import { ChangeDetectionStrategy, Component, computed, inject, input, output } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';

import { AgentsService } from '../core/agents.service';
import { I18nService, LocalMessages } from '../core/i18n.service';
import { Language } from '../core/models';
import { ListFilters, ReportFigure } from './ticket-list.state';

type FigureKey = `chips.figure.${ReportFigure}`;
export type ChipKey =
  | 'chips.remove'
  | 'chips.agent'
  | 'chips.source'
  | 'chips.channel'
  | 'chips.created'
  | 'chips.resolved'
  | 'chips.figure'
  | 'chips.backlog'
  | FigureKey;

// Loaded with the chips (deferred), not in the initial bundle.
export const CHIP_MESSAGES: LocalMessages<ChipKey> = {
  es: {
    'chips.remove': 'Quitar el filtro {filter}',
    'chips.agent': 'Asignados a {names}',
    'chips.source': 'Origen: {names}',
    'chips.channel': 'Canal: {names}',
    'chips.created': 'Creados del {from} al {to}',
    'chips.resolved': 'Resueltos del {from} al {to}',
    'chips.figure': 'Informe: {figure} · {from} – {to}',
    'chips.backlog': 'Informe: pendientes al {at}',
    'chips.figure.created': 'creados',
    'chips.figure.resolved': 'resueltos',
    'chips.figure.reopened': 'reabiertos',
    'chips.figure.backlog': 'pendientes',
    'chips.figure.assigned': 'asignados',
    'chips.figure.firstResponded': 'con primera respuesta',
    'chips.figure.firstResponseMet': 'primera respuesta dentro del SLA',
    'chips.figure.firstResponseBreached': 'primera respuesta fuera del SLA',
    'chips.figure.resolutionMet': 'resueltos dentro del SLA',
    'chips.figure.resolutionBreached': 'resueltos fuera del SLA',
    'chips.figure.breached': 'con el SLA incumplido',
    'chips.figure.rated': 'calificados',
  },
  en: {
    'chips.remove': 'Remove the filter {filter}',
    'chips.agent': 'Assigned to {names}',
    'chips.source': 'Source: {names}',
    'chips.channel': 'Channel: {names}',
    'chips.created': 'Created from {from} to {to}',
    'chips.resolved': 'Resolved from {from} to {to}',
    'chips.figure': 'Report: {figure} · {from} – {to}',
    'chips.backlog': 'Report: backlog at {at}',
    'chips.figure.created': 'created',
    'chips.figure.resolved': 'resolved',
    'chips.figure.reopened': 'reopened',
    'chips.figure.backlog': 'backlog',
    'chips.figure.assigned': 'assigned',
    'chips.figure.firstResponded': 'first responded',
    'chips.figure.firstResponseMet': 'first response within the SLA',
    'chips.figure.firstResponseBreached': 'first response past the SLA',
    'chips.figure.resolutionMet': 'resolved within the SLA',
    'chips.figure.resolutionBreached': 'resolved past the SLA',
    'chips.figure.breached': 'SLA breached',
    'chips.figure.rated': 'rated',
  },
};

export interface Chip {
  key: string;
  label: string;
  clear: Partial<ListFilters>;
}

/** The words a chip needs: the console's texts, agents' and sources' names. */
export interface ChipWords {
  t: (key: ChipKey, params?: Record<string, string>) => string;
  agent: (id: string) => string;
  source: (value: string) => string;
  language: Language;
}

/** The chips of `f`'s filters that the list's bar has no control for, each with what removing
 * it clears. */
export function chipsOf(f: ListFilters, words: ChipWords): Chip[] {
  const { t } = words;
  const when = (instant: string): string => formatWhen(instant, words.language);
  const chips: Chip[] = [];
  if (f.agent.length) {
    const names = f.agent.map((id) => words.agent(id)).join(', ');
    chips.push({ key: 'agent', label: t('chips.agent', { names }), clear: { agent: [] } });
  }
  if (f.channel.length) {
    const names = f.channel.map((c) => words.source(c)).join(', ');
    chips.push({ key: 'channel', label: t('chips.channel', { names }), clear: { channel: [] } });
  }
  if (f.source.length) {
    const names = f.source.map((s) => words.source(s)).join(', ');
    chips.push({ key: 'source', label: t('chips.source', { names }), clear: { source: [] } });
  }
  if (f.createdFrom || f.createdTo) {
    const label = t('chips.created', { from: when(f.createdFrom), to: when(f.createdTo) });
    chips.push({ key: 'created', label, clear: { createdFrom: '', createdTo: '' } });
  }
  if (f.resolvedFrom || f.resolvedTo) {
    const label = t('chips.resolved', { from: when(f.resolvedFrom), to: when(f.resolvedTo) });
    chips.push({ key: 'resolved', label, clear: { resolvedFrom: '', resolvedTo: '' } });
  }
  if (f.figure) {
    const label =
      f.figure === 'backlog'
        ? t('chips.backlog', { at: when(f.figureTo) })
        : t('chips.figure', { figure: t(`chips.figure.${f.figure}`), ...formatSpan(f.figureFrom, f.figureTo, words.language) });
    chips.push({ key: 'figure', label, clear: { figure: '', figureFrom: '', figureTo: '' } });
  }
  return chips;
}

function locale(language: Language): string {
  return language === 'en' ? 'en-US' : 'es-MX';
}

/** An instant as a date and time (the browser's time zone). */
function formatWhen(instant: string, language: Language): string {
  if (!instant) return '…';
  return new Date(instant).toLocaleString(locale(language), { dateStyle: 'medium', timeStyle: 'short' });
}

/** A figure's period: its dates when it spans whole local days (a report's buckets read in the
 * browser's zone), else its instants. */
function formatSpan(from: string, to: string, language: Language): { from: string; to: string } {
  const start = new Date(from);
  const end = new Date(Date.parse(to) + 1);
  const midnight = (d: Date): boolean => d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0 && d.getMilliseconds() === 0;
  if (!from || !midnight(start) || !midnight(end)) return { from: formatWhen(from, language), to: formatWhen(to, language) };
  const day = (d: Date): string => d.toLocaleDateString(locale(language), { dateStyle: 'medium' });
  return { from: day(start), to: day(new Date(Date.parse(to))) };
}

/** The list's filters that its bar has no control for (the Reports page links with them:
 * agents, channels, sources, creation and resolution times, a report's figure), each a chip
 * that removes it. */
@Component({
  selector: 'app-filter-chips',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="mb-3 flex flex-wrap items-center gap-2 text-xs" data-testid="filter-chips">
      @for (chip of chips(); track chip.key) {
        <span class="inline-flex items-center gap-1 rounded-full border border-indigo-200 bg-indigo-50 py-0.5 pl-3 pr-1 text-indigo-900" [attr.data-chip]="chip.key">
          {{ chip.label }}
          <button type="button" class="rounded-full px-1.5 text-indigo-700 hover:bg-indigo-100" (click)="cleared.emit(chip.clear)" [attr.aria-label]="t('chips.remove', { filter: chip.label })">×</button>
        </span>
      }
    </div>
  `,
})
export class FilterChips {
  readonly filters = input.required<ListFilters>();
  readonly cleared = output<Partial<ListFilters>>();
  private readonly i18n = inject(I18nService);
  private readonly agents = inject(AgentsService);
  /** The directory as a signal: the agents' names replace their ids once it arrives. */
  private readonly directory = toSignal(this.agents.agents$, { initialValue: [] });

  protected readonly chips = computed(() => {
    this.directory();
    return chipsOf(this.filters(), {
      t: (key, params) => this.t(key, params),
      agent: (id) => this.agents.name(id),
      source: (value) => this.i18n.source(value),
      language: this.i18n.language(),
    });
  });

  protected t(key: ChipKey, params: Record<string, string> = {}): string {
    return this.i18n.local(CHIP_MESSAGES, key, params);
  }
}
