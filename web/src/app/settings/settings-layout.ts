import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';

import { I18nService } from '../core/i18n.service';
import { MessageKey } from '../core/messages';

/** `/settings`: one tab per part of the configuration (admins only, see the route guard). */
@Component({
  selector: 'app-settings-layout',
  imports: [RouterLink, RouterLinkActive, RouterOutlet],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1 class="mb-4 text-2xl font-semibold text-gray-900">{{ i18n.t('settings.title') }}</h1>
    <nav class="mb-4 flex gap-1 overflow-x-auto border-b border-gray-200" aria-label="settings">
      @for (tab of tabs; track tab.path) {
        <a [routerLink]="tab.path" routerLinkActive="border-indigo-600 text-indigo-700" #active="routerLinkActive" [class.border-transparent]="!active.isActive" class="-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium text-gray-600 hover:text-gray-900" [attr.data-settings-tab]="tab.path">{{ i18n.t(tab.label) }}</a>
      }
    </nav>
    <router-outlet />
  `,
})
export class SettingsLayout {
  protected readonly i18n = inject(I18nService);
  protected readonly tabs: { path: string; label: MessageKey }[] = [
    { path: 'categories', label: 'settings.categories' },
    { path: 'terminology', label: 'settings.terminology' },
    { path: 'id-format', label: 'settings.idFormat' },
    { path: 'sla', label: 'settings.sla' },
    { path: 'assistant', label: 'settings.assistant' },
    { path: 'template', label: 'settings.template' },
    { path: 'customer-messages', label: 'settings.customerMessages' },
    { path: 'map', label: 'settings.mapTiles' },
    { path: 'presets', label: 'settings.presets' },
    { path: 'history', label: 'settings.history' },
    { path: 'agents', label: 'settings.agents' },
    { path: 'api-tokens', label: 'settings.apiTokens' },
    { path: 'webhooks', label: 'settings.webhooks' },
    { path: 'replies', label: 'settings.replies' },
  ];
}
