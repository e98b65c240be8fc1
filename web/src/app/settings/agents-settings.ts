import { AsyncPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';

import { AgentsService } from '../core/agents.service';
import { I18nService } from '../core/i18n.service';
import { DirectoryEntry, Role } from '../core/models';
import { AuthService } from '../core/auth.service';
import { toApiError } from '../core/api-error';
import { MessageKey } from '../core/messages';
import { ToastService } from '../core/toast.service';
import { SaveState, SaveStatus } from './save-state';

interface Asked {
  kind: 'edit' | 'password' | 'deactivate' | 'reactivate';
  agent: DirectoryEntry;
}

/** The agent directory (with emails, for admins), creating agents, and each agent's edit,
 * deactivation or reactivation and password reset, each behind a confirmation dialog. */
@Component({
  selector: 'app-agents-settings',
  imports: [AsyncPipe, ReactiveFormsModule, SaveStatus],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="grid gap-4 lg:grid-cols-3">
      <div class="overflow-x-auto rounded-lg border border-gray-200 bg-white lg:col-span-2">
        <table class="min-w-full divide-y divide-gray-200 text-sm" data-testid="agents">
          <thead class="bg-gray-50 text-left text-xs font-medium uppercase tracking-wide text-gray-500">
            <tr>
              <th scope="col" class="px-3 py-2">{{ i18n.t('agents.name') }}</th>
              <th scope="col" class="px-3 py-2">{{ i18n.t('agents.email') }}</th>
              <th scope="col" class="px-3 py-2">{{ i18n.t('agents.role') }}</th>
              <th scope="col" class="px-3 py-2">{{ i18n.t('agents.active') }}</th>
              <th scope="col" class="px-3 py-2 text-right">{{ i18n.t('agents.actions') }}</th>
            </tr>
          </thead>
          <tbody class="divide-y divide-gray-100">
            @for (agent of agents.agents$ | async; track agent.id) {
              <tr>
                <td class="px-3 py-2 font-medium text-gray-900">{{ agent.firstName }} {{ agent.lastName }}</td>
                <td class="px-3 py-2 text-gray-700">{{ agent.email }}</td>
                <td class="px-3 py-2 text-gray-700">{{ i18n.t(agent.role === 'admin' ? 'role.admin' : 'role.agent') }}</td>
                <td class="px-3 py-2 text-gray-700">{{ agent.active ? i18n.t('common.yes') : i18n.t('common.no') }}</td>
                <td class="whitespace-nowrap px-3 py-2 text-right">
                  <button type="button" class="rounded px-2 py-1 text-xs text-indigo-700 hover:bg-indigo-50" (click)="ask('edit', agent)" [attr.data-testid]="'edit-' + agent.id">{{ i18n.t('agents.edit') }}</button>
                  @if (agent.id !== me) {
                    <button type="button" class="rounded px-2 py-1 text-xs text-indigo-700 hover:bg-indigo-50" (click)="ask('password', agent)" [attr.data-testid]="'password-' + agent.id">{{ i18n.t('agents.resetPassword') }}</button>
                    <button type="button" class="rounded px-2 py-1 text-xs hover:bg-gray-100" [class]="agent.active ? 'text-red-700' : 'text-green-700'" (click)="ask(agent.active ? 'deactivate' : 'reactivate', agent)" [attr.data-testid]="(agent.active ? 'deactivate-' : 'reactivate-') + agent.id">{{ agent.active ? i18n.t('agents.deactivate') : i18n.t('agents.reactivate') }}</button>
                  }
                </td>
              </tr>
            }
          </tbody>
        </table>
      </div>
      <form [formGroup]="form" (ngSubmit)="create()" class="space-y-2 rounded-lg border border-gray-200 bg-white p-4">
        <h2 class="text-sm font-medium text-gray-900">{{ i18n.t('agents.create') }}</h2>
        <label class="block text-xs text-gray-600">{{ i18n.t('agents.firstName') }}<input formControlName="firstName" class="mt-0.5 block w-full rounded-md border border-gray-300 px-2 py-1.5 text-sm" /></label>
        <label class="block text-xs text-gray-600">{{ i18n.t('agents.lastName') }}<input formControlName="lastName" class="mt-0.5 block w-full rounded-md border border-gray-300 px-2 py-1.5 text-sm" /></label>
        <label class="block text-xs text-gray-600">{{ i18n.t('agents.email') }}<input type="email" formControlName="email" class="mt-0.5 block w-full rounded-md border border-gray-300 px-2 py-1.5 text-sm" />
          <span class="text-red-700" role="alert">{{ save_.reason('email') }}</span></label>
        <label class="block text-xs text-gray-600">{{ i18n.t('agents.password') }}<input type="password" formControlName="password" autocomplete="new-password" class="mt-0.5 block w-full rounded-md border border-gray-300 px-2 py-1.5 text-sm" />
          <span class="text-red-700" role="alert">{{ save_.reason('password') }}</span></label>
        <label class="block text-xs text-gray-600">{{ i18n.t('agents.role') }}
          <select formControlName="role" class="mt-0.5 block w-full rounded-md border border-gray-300 bg-white px-2 py-1.5 text-sm">
            <option value="agent">{{ i18n.t('role.agent') }}</option>
            <option value="admin">{{ i18n.t('role.admin') }}</option>
          </select>
        </label>
        <button type="submit" [disabled]="save_.busy() || form.invalid" class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-50">{{ i18n.t('agents.create') }}</button>
        <app-save-status [state]="save_" [savedText]="i18n.t('common.saved')" />
      </form>
    </div>

    @if (asked(); as asked) {
      <div class="fixed inset-0 z-50 flex items-center justify-center bg-black/30 p-4">
        <form class="w-full max-w-sm space-y-3 rounded-lg bg-white p-4 shadow-xl" role="dialog" aria-modal="true" aria-labelledby="agent-dialog-title" (ngSubmit)="confirm()" [formGroup]="dialog" data-testid="agent-dialog">
          <h2 id="agent-dialog-title" class="text-base font-semibold text-gray-900">{{ title(asked) }}</h2>
          @switch (asked.kind) {
            @case ('edit') {
              <label class="block text-xs text-gray-600">{{ i18n.t('agents.firstName') }}<input formControlName="firstName" class="mt-0.5 block w-full rounded-md border border-gray-300 px-2 py-1.5 text-sm" data-testid="edit-first-name" /></label>
              <label class="block text-xs text-gray-600">{{ i18n.t('agents.lastName') }}<input formControlName="lastName" class="mt-0.5 block w-full rounded-md border border-gray-300 px-2 py-1.5 text-sm" data-testid="edit-last-name" /></label>
              <label class="block text-xs text-gray-600">{{ i18n.t('agents.role') }}
                <select formControlName="role" class="mt-0.5 block w-full rounded-md border border-gray-300 bg-white px-2 py-1.5 text-sm" data-testid="edit-role">
                  <option value="agent">{{ i18n.t('role.agent') }}</option>
                  <option value="admin">{{ i18n.t('role.admin') }}</option>
                </select>
              </label>
            }
            @case ('password') {
              <label class="block text-xs text-gray-600">{{ i18n.t('agents.newPassword') }}<input type="password" formControlName="password" autocomplete="new-password" class="mt-0.5 block w-full rounded-md border border-gray-300 px-2 py-1.5 text-sm" data-testid="new-password" /></label>
            }
          }
          @if (dialogError()) {
            <p class="text-sm text-red-700" role="alert">{{ dialogError() }}</p>
          }
          <div class="flex justify-end gap-2">
            <button type="button" class="rounded-md border border-gray-300 px-3 py-1.5 text-sm" (click)="asked$.set(null)">{{ i18n.t('common.cancel') }}</button>
            <button type="submit" class="rounded-md px-3 py-1.5 text-sm font-medium text-white disabled:opacity-50" [class]="asked.kind === 'deactivate' ? 'bg-red-600' : 'bg-indigo-600'" [disabled]="busy() || (asked.kind === 'password' && !dialog.controls.password.value)" data-testid="agent-dialog-confirm">{{ i18n.t('common.confirm') }}</button>
          </div>
        </form>
      </div>
    }
  `,
})
export class AgentsSettings {
  protected readonly i18n = inject(I18nService);
  protected readonly agents = inject(AgentsService);
  private readonly toasts = inject(ToastService);
  protected readonly save_ = new SaveState();
  protected readonly form = new FormGroup({
    firstName: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    lastName: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    email: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    password: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    role: new FormControl<Role>('agent', { nonNullable: true }),
  });

  protected readonly me = inject(AuthService).agent?.id ?? null;
  protected readonly asked$ = signal<Asked | null>(null);
  protected readonly asked = this.asked$.asReadonly();
  protected readonly busy = signal(false);
  protected readonly dialogError = signal<string | null>(null);
  protected readonly dialog = new FormGroup({
    firstName: new FormControl('', { nonNullable: true }),
    lastName: new FormControl('', { nonNullable: true }),
    role: new FormControl<Role>('agent', { nonNullable: true }),
    password: new FormControl('', { nonNullable: true }),
  });

  /** Open the confirmation (or edit) dialog of `kind` for `agent`. */
  protected ask(kind: Asked['kind'], agent: DirectoryEntry): void {
    this.dialog.reset({ firstName: agent.firstName, lastName: agent.lastName, role: agent.role, password: '' });
    this.dialogError.set(null);
    this.asked$.set({ kind, agent });
  }

  protected title(asked: Asked): string {
    const name = `${asked.agent.firstName} ${asked.agent.lastName}`.trim();
    switch (asked.kind) {
      case 'edit':
        return this.i18n.t('agents.editTitle', { name });
      case 'password':
        return this.i18n.t('agents.confirmReset', { name });
      case 'deactivate':
        return this.i18n.t('agents.confirmDeactivate', { name });
      case 'reactivate':
        return this.i18n.t('agents.confirmReactivate', { name });
    }
  }

  protected confirm(): void {
    const asked = this.asked();
    if (!asked) return;
    const { id } = asked.agent;
    const values = this.dialog.getRawValue();
    const call =
      asked.kind === 'edit'
        ? this.agents.edit(id, { firstName: values.firstName.trim(), lastName: values.lastName.trim(), role: values.role })
        : asked.kind === 'password'
          ? this.agents.resetPassword(id, values.password)
          : this.agents.setActive(id, asked.kind === 'reactivate');
    const done: Record<Asked['kind'], MessageKey> = {
      edit: 'agents.updated',
      password: 'agents.passwordReset',
      deactivate: 'agents.deactivated',
      reactivate: 'agents.reactivated',
    };
    this.busy.set(true);
    call.subscribe({
      next: (agent) => {
        this.busy.set(false);
        this.asked$.set(null);
        this.toasts.show(this.i18n.t(done[asked.kind], { name: `${agent.firstName} ${agent.lastName}` }), 'success');
      },
      error: (error: unknown) => {
        this.busy.set(false);
        this.dialogError.set(toApiError(error).message);
      },
    });
  }

  protected create(): void {
    this.save_.run(this.agents.create(this.form.getRawValue()), (agent) => {
      this.toasts.show(this.i18n.t('agents.created', { name: `${agent.firstName} ${agent.lastName}` }), 'success');
      this.form.reset();
    });
  }
}
