import { ChangeDetectionStrategy, Component, computed, inject, input, output } from '@angular/core';

import { AgentsService } from '../core/agents.service';
import { I18nService, LocalMessages } from '../core/i18n.service';
import { ListFilters } from './ticket-list.state';

type ChipKey = 'chips.remove' | 'chips.agent' | 'chips.source' | 'chips.created' | 'chips.resolved';

// Loaded with the chips (deferred), not in the initial bundle.
const MESSAGES: LocalMessages<ChipKey> = {
  es: {
    'chips.remove': 'Quitar el filtro {filter}',
    'chips.agent': 'Asignados a {name}',
    'chips.source': 'Origen: {names}',
    'chips.created': 'Creados del {from} al {to}',
    'chips.resolved': 'Resueltos del {from} al {to}',
  },
  en: {
    'chips.remove': 'Remove the filter {filter}',
    'chips.agent': 'Assigned to {name}',
    'chips.source': 'Source: {names}',
    'chips.created': 'Created from {from} to {to}',
    'chips.resolved': 'Resolved from {from} to {to}',
  },
};

/** The list's filters that its bar has no control for (the Reports page links with them: one
 * agent, sources, creation and resolution times), each a chip that removes it. */
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

  protected readonly chips = computed(() => {
    const f = this.filters();
    const chips: { key: string; label: string; clear: Partial<ListFilters> }[] = [];
    if (f.agent) chips.push({ key: 'agent', label: this.t('chips.agent', { name: this.agents.name(f.agent) }), clear: { agent: '' } });
    if (f.source.length) {
      const names = f.source.map((s) => this.i18n.source(s)).join(', ');
      chips.push({ key: 'source', label: this.t('chips.source', { names }), clear: { source: [] } });
    }
    if (f.createdFrom || f.createdTo) {
      const label = this.t('chips.created', { from: this.when(f.createdFrom), to: this.when(f.createdTo) });
      chips.push({ key: 'created', label, clear: { createdFrom: '', createdTo: '' } });
    }
    if (f.resolvedFrom || f.resolvedTo) {
      const label = this.t('chips.resolved', { from: this.when(f.resolvedFrom), to: this.when(f.resolvedTo) });
      chips.push({ key: 'resolved', label, clear: { resolvedFrom: '', resolvedTo: '' } });
    }
    return chips;
  });

  protected t(key: ChipKey, params: Record<string, string> = {}): string {
    return this.i18n.local(MESSAGES, key, params);
  }

  private when(instant: string): string {
    if (!instant) return '…';
    const locale = this.i18n.language() === 'en' ? 'en-US' : 'es-MX';
    return new Date(instant).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
  }
}
