import { Routes } from '@angular/router';

import { SettingsLayout } from './settings-layout';

export const SETTINGS_ROUTES: Routes = [
  {
    path: '',
    component: SettingsLayout,
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'categories' },
      { path: 'categories', loadComponent: () => import('./categories-settings').then((m) => m.CategoriesSettings) },
      { path: 'terminology', loadComponent: () => import('./terminology-settings').then((m) => m.TerminologySettings) },
      { path: 'id-format', loadComponent: () => import('./id-format-settings').then((m) => m.IdFormatSettings) },
      { path: 'sla', loadComponent: () => import('./sla-settings').then((m) => m.SlaSettings) },
      { path: 'assistant', loadComponent: () => import('./assistant-settings').then((m) => m.AssistantSettings) },
      { path: 'template', loadComponent: () => import('./template-settings').then((m) => m.TemplateSettings) },
      { path: 'customer-messages', loadComponent: () => import('./customer-messages-settings').then((m) => m.CustomerMessagesSettings) },
      { path: 'map', loadComponent: () => import('./map-settings').then((m) => m.MapSettings) },
      { path: 'presets', loadComponent: () => import('./presets-settings').then((m) => m.PresetsSettings) },
      { path: 'history', loadComponent: () => import('./history-settings').then((m) => m.HistorySettings) },
      { path: 'agents', loadComponent: () => import('./agents-settings').then((m) => m.AgentsSettings) },
      { path: 'api-tokens', loadComponent: () => import('./api-tokens-settings').then((m) => m.ApiTokensSettings) },
      { path: 'replies', loadComponent: () => import('../replies/replies-page').then((m) => m.RepliesPage) },
      { path: 'webhooks', loadComponent: () => import('./webhooks-settings').then((m) => m.WebhooksSettings) },
    ],
  },
];
