import { JsonPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';

import { I18nService } from '../core/i18n.service';
import { MessageKey } from '../core/messages';
import { ChangeRecord } from '../core/models';
import { AgentName } from '../widgets/agent-name';
import { SettingsService } from './settings.service';

const KEY_LABELS: Record<string, MessageKey> = {
  ticket_categories: 'settings.categories',
  ticket_terminology: 'settings.terminology',
  ticket_id_format: 'settings.idFormat',
  assistant_configuration: 'settings.assistant',
  assistant_instructions_template: 'settings.template',
  configuration_presets: 'settings.presets',
  sla_policy: 'settings.sla',
};

/** Who changed which setting and when, newest first, with the values before and after. */
@Component({
  selector: 'app-history-settings',
  imports: [JsonPipe, AgentName],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (changes().length === 0) {
      <p class="text-sm text-gray-500">{{ i18n.t('history.empty') }}</p>
    }
    <ul class="space-y-2" data-testid="history">
      @for (change of changes(); track $index) {
        <li class="rounded-lg border border-gray-200 bg-white p-3 text-sm">
          <div class="flex flex-wrap items-center gap-x-3 gap-y-1">
            <span class="font-medium text-gray-900" [title]="change.key">{{ keyLabel(change.key) }}</span>
            <span class="rounded bg-gray-100 px-1.5 text-xs text-gray-700">{{ change.action }}</span>
            <span class="text-gray-700">@if (change.changedBy) { <app-agent-name [id]="change.changedBy" /> }</span>
            <time class="ml-auto text-xs text-gray-500" [title]="i18n.dateTime(change.changedAt)">{{ i18n.ago(change.changedAt) }}</time>
          </div>
          <details class="mt-1">
            <summary class="cursor-pointer text-xs text-indigo-700">{{ i18n.t('history.show') }}</summary>
            <div class="mt-2 grid gap-2 md:grid-cols-2">
              <pre class="max-h-60 overflow-auto rounded bg-red-50 p-2 text-[11px]">{{ change.oldValue | json }}</pre>
              <pre class="max-h-60 overflow-auto rounded bg-green-50 p-2 text-[11px]">{{ change.newValue | json }}</pre>
            </div>
          </details>
        </li>
      }
    </ul>
  `,
})
export class HistorySettings implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly settings = inject(SettingsService);
  protected readonly changes = signal<ChangeRecord[]>([]);

  protected keyLabel(key: string): string {
    const label = KEY_LABELS[key];
    return label ? this.i18n.t(label) : key;
  }

  ngOnInit(): void {
    this.settings.history().subscribe((changes) => this.changes.set(changes));
  }
}
