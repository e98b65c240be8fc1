import { AsyncPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';

import { AgentsService } from '../core/agents.service';
import { I18nService } from '../core/i18n.service';
import { Role } from '../core/models';
import { ToastService } from '../core/toast.service';
import { SaveState, SaveStatus } from './save-state';

/** The agent directory (with emails, for admins) and creating agents. */
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
            </tr>
          </thead>
          <tbody class="divide-y divide-gray-100">
            @for (agent of agents.agents$ | async; track agent.id) {
              <tr>
                <td class="px-3 py-2 font-medium text-gray-900">{{ agent.firstName }} {{ agent.lastName }}</td>
                <td class="px-3 py-2 text-gray-700">{{ agent.email }}</td>
                <td class="px-3 py-2 text-gray-700">{{ i18n.t(agent.role === 'admin' ? 'role.admin' : 'role.agent') }}</td>
                <td class="px-3 py-2 text-gray-700">{{ agent.active ? i18n.t('common.yes') : i18n.t('common.no') }}</td>
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

  protected create(): void {
    this.save_.run(this.agents.create(this.form.getRawValue()), (agent) => {
      this.toasts.show(this.i18n.t('agents.created', { name: `${agent.firstName} ${agent.lastName}` }), 'success');
      this.form.reset();
    });
  }
}
