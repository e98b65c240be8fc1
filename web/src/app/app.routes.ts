import { Routes } from '@angular/router';

import { adminGuard, authGuard } from './core/auth.guard';
import { Shell } from './shell/shell';

export const routes: Routes = [
  { path: 'login', loadComponent: () => import('./login/login').then((m) => m.Login) },
  {
    path: '',
    component: Shell,
    canActivate: [authGuard],
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'tickets' },
      { path: 'dashboard', loadComponent: () => import('./dashboard/dashboard').then((m) => m.Dashboard) },
      { path: 'tickets', loadComponent: () => import('./tickets/ticket-list').then((m) => m.TicketList) },
      { path: 'tickets/new', loadComponent: () => import('./tickets/ticket-form').then((m) => m.TicketFormPage) },
      { path: 'tickets/:id', loadComponent: () => import('./tickets/ticket-detail').then((m) => m.TicketDetail) },
      { path: 'tickets/:id/edit', loadComponent: () => import('./tickets/ticket-form').then((m) => m.TicketFormPage) },
      { path: 'map', loadComponent: () => import('./map/ticket-map').then((m) => m.TicketMapPage) },
      { path: 'replies', loadComponent: () => import('./replies/replies-page').then((m) => m.RepliesPage) },
      { path: 'customers', loadComponent: () => import('./customers/customer-list').then((m) => m.CustomerList) },
      { path: 'customers/:id', loadComponent: () => import('./customers/customer-detail').then((m) => m.CustomerDetail) },
      { path: 'conversations', loadComponent: () => import('./conversations/conversation-list').then((m) => m.ConversationList) },
      {
        path: 'conversations/:id',
        loadComponent: () => import('./conversations/conversation-detail').then((m) => m.ConversationDetail),
      },
      {
        path: 'reports',
        canActivate: [adminGuard],
        loadComponent: () => import('./reports/reports-page').then((m) => m.ReportsPage),
      },
      {
        path: 'settings',
        canActivate: [adminGuard],
        loadChildren: () => import('./settings/settings.routes').then((m) => m.SETTINGS_ROUTES),
      },
    ],
  },
  { path: '**', redirectTo: 'tickets' },
];
