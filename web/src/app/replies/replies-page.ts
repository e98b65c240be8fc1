import { AsyncPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { Observable } from 'rxjs';

import { AgentsService } from '../core/agents.service';
import { toApiError } from '../core/api-error';
import { AuthService } from '../core/auth.service';
import { I18nService } from '../core/i18n.service';
import { REPLIES_MESSAGES } from './replies.messages';
import { Priority, TicketStatus } from '../core/models';
import { PRIORITIES, STATUSES } from '../tickets/ticket-workflow';
import { CannedReply, Macro, MacroActions, REPLY_VARIABLES, RepliesService } from './replies.service';

const INPUT = 'block w-full rounded-md border border-gray-300 px-2 py-1.5 text-sm';
const BUTTON = 'rounded-md border border-gray-300 bg-white px-2.5 py-1 text-sm font-medium text-gray-800 hover:bg-gray-50 disabled:opacity-50';
const PRIMARY = 'rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50';

/** "a, b ,c" → ["a", "b", "c"] (blanks and repeats dropped). */
export function tagList(text: string): string[] {
  return [...new Set(text.split(',').map((tag) => tag.trim()).filter(Boolean))];
}

/** A macro form's values as the API's actions (only the actions chosen), or null for none. */
export function macroActions(values: {
  reply: string;
  note: string;
  status: TicketStatus | '';
  statusReason: string;
  priority: Priority | '';
  addTags: string;
  removeTags: string;
  assignee: string;
}): MacroActions | null {
  const actions: MacroActions = {
    reply: values.reply.trim() || null,
    note: values.note.trim() || null,
    status: values.status || null,
    statusReason: values.status ? values.statusReason.trim() || null : null,
    priority: values.priority || null,
    addTags: tagList(values.addTags),
    removeTags: tagList(values.removeTags),
    assignee: values.assignee || null,
  };
  const any = actions.reply || actions.note || actions.status || actions.priority || actions.assignee;
  return any || actions.addTags.length || actions.removeTags.length ? actions : null;
}

/** Settings → Respuestas y macros (and `/replies` for every agent): the agent's own canned
 * replies and macros, and the shared ones (admins create, edit and delete those). */
@Component({
  selector: 'app-replies-page',
  imports: [AsyncPipe, ReactiveFormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="space-y-6">
      <p class="max-w-3xl text-sm text-gray-600">{{ i18n.local(M, 'replies.intro') }}</p>
      @if (problem()) {
        <p class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert" data-testid="replies-error">{{ problem() }}</p>
      }

      <section class="grid gap-4 lg:grid-cols-2" [attr.aria-label]="i18n.local(M, 'replies.replies')">
        <div>
          <h2 class="mb-2 text-lg font-semibold text-gray-900">{{ i18n.local(M, 'replies.replies') }}</h2>
          <ul class="space-y-2" data-testid="canned-replies">
            @for (reply of replies.replies$ | async; track reply.id) {
              <li class="rounded-lg border border-gray-200 bg-white p-3" data-testid="canned-reply" [attr.data-title]="reply.title">
                <div class="flex flex-wrap items-center gap-2">
                  <span class="font-medium text-gray-900">{{ reply.title }}</span>
                  @if (reply.shortcut) {
                    <span class="font-mono text-xs text-gray-500">/{{ reply.shortcut }}</span>
                  }
                  <span class="rounded-full px-2 py-0.5 text-xs" [class]="reply.shared ? 'bg-indigo-50 text-indigo-800' : 'bg-gray-100 text-gray-700'">{{ i18n.local(M, reply.shared ? 'replies.shared' : 'replies.personal') }}</span>
                </div>
                <p class="mt-1 whitespace-pre-line text-sm text-gray-700">{{ reply.body }}</p>
                @if (mayEdit(reply)) {
                  <div class="mt-2 flex gap-2">
                    <button type="button" [class]="button" (click)="editReply(reply)">{{ i18n.t('common.edit') }}</button>
                    <button type="button" class="rounded-md border border-red-200 px-2.5 py-1 text-sm text-red-700" (click)="deleteReply(reply)">{{ i18n.t('common.delete') }}</button>
                  </div>
                }
              </li>
            } @empty {
              <li class="text-sm text-gray-500">{{ i18n.local(M, 'replies.none') }}</li>
            }
          </ul>
        </div>
        <form [formGroup]="replyForm" (ngSubmit)="saveReply()" class="space-y-2 rounded-lg border border-gray-200 bg-white p-4" data-testid="reply-form">
          <h3 class="font-medium text-gray-900">{{ i18n.local(M, editingReply() ? 'replies.editing' : 'replies.new') }}</h3>
          <label class="block text-sm text-gray-700">{{ i18n.local(M, 'replies.fieldTitle') }}
            <input formControlName="title" [class]="input" data-testid="reply-title" />
          </label>
          <label class="block text-sm text-gray-700">{{ i18n.local(M, 'replies.shortcut') }}
            <input formControlName="shortcut" [class]="input" placeholder="gracias" data-testid="reply-shortcut" />
          </label>
          <label class="block text-sm text-gray-700">{{ i18n.local(M, 'replies.body') }}
            <textarea formControlName="body" rows="4" [class]="input" data-testid="reply-body"></textarea>
          </label>
          <p class="text-xs text-gray-500">{{ i18n.local(M, 'replies.variables', { list: variables }) }}</p>
          @if (auth.isAdmin) {
            <label class="flex items-center gap-2 text-sm text-gray-700">
              <input type="checkbox" formControlName="shared" class="h-4 w-4 rounded border-gray-300" data-testid="reply-shared" />
              {{ i18n.local(M, 'replies.shareWithAll') }}
            </label>
          }
          <div class="flex gap-2">
            <button type="submit" [class]="primary" [disabled]="busy() || replyForm.invalid" data-testid="reply-save">{{ i18n.t('common.save') }}</button>
            @if (editingReply()) {
              <button type="button" [class]="button" (click)="resetReply()">{{ i18n.t('common.cancel') }}</button>
            }
          </div>
        </form>
      </section>

      <section class="grid gap-4 lg:grid-cols-2" [attr.aria-label]="i18n.local(M, 'replies.macros')">
        <div>
          <h2 class="mb-2 text-lg font-semibold text-gray-900">{{ i18n.local(M, 'replies.macros') }}</h2>
          <ul class="space-y-2" data-testid="macro-list">
            @for (macro of replies.macros$ | async; track macro.id) {
              <li class="rounded-lg border border-gray-200 bg-white p-3" data-testid="macro" [attr.data-title]="macro.title">
                <div class="flex flex-wrap items-center gap-2">
                  <span class="font-medium text-gray-900">{{ macro.title }}</span>
                  <span class="rounded-full px-2 py-0.5 text-xs" [class]="macro.shared ? 'bg-indigo-50 text-indigo-800' : 'bg-gray-100 text-gray-700'">{{ i18n.local(M, macro.shared ? 'replies.shared' : 'replies.personal') }}</span>
                </div>
                <p class="mt-1 text-sm text-gray-700">{{ summary(macro) }}</p>
                @if (mayEdit(macro)) {
                  <div class="mt-2 flex gap-2">
                    <button type="button" [class]="button" (click)="editMacro(macro)">{{ i18n.t('common.edit') }}</button>
                    <button type="button" class="rounded-md border border-red-200 px-2.5 py-1 text-sm text-red-700" (click)="deleteMacro(macro)">{{ i18n.t('common.delete') }}</button>
                  </div>
                }
              </li>
            } @empty {
              <li class="text-sm text-gray-500">{{ i18n.local(M, 'macros.none') }}</li>
            }
          </ul>
        </div>
        <form [formGroup]="macroForm" (ngSubmit)="saveMacro()" class="space-y-2 rounded-lg border border-gray-200 bg-white p-4" data-testid="macro-form">
          <h3 class="font-medium text-gray-900">{{ i18n.local(M, editingMacro() ? 'macros.editing' : 'macros.new') }}</h3>
          <label class="block text-sm text-gray-700">{{ i18n.local(M, 'replies.fieldTitle') }}
            <input formControlName="title" [class]="input" data-testid="macro-title" />
          </label>
          <div class="grid gap-2 sm:grid-cols-3">
            <label class="block text-sm text-gray-700">{{ i18n.local(M, 'macros.status') }}
              <select formControlName="status" [class]="input" data-testid="macro-status">
                <option value="">{{ i18n.local(M, 'macros.unchanged') }}</option>
                @for (status of statuses; track status) {
                  <option [value]="status">{{ i18n.status(status) }}</option>
                }
              </select>
            </label>
            <label class="block text-sm text-gray-700">{{ i18n.local(M, 'macros.priority') }}
              <select formControlName="priority" [class]="input" data-testid="macro-priority">
                <option value="">{{ i18n.local(M, 'macros.unchanged') }}</option>
                @for (priority of priorities; track priority) {
                  <option [value]="priority">{{ i18n.priority(priority) }}</option>
                }
              </select>
            </label>
            <label class="block text-sm text-gray-700">{{ i18n.local(M, 'macros.assignee') }}
              <select formControlName="assignee" [class]="input" data-testid="macro-assignee">
                <option value="">{{ i18n.local(M, 'macros.unchanged') }}</option>
                <option value="me">{{ i18n.local(M, 'macros.me') }}</option>
                @for (agent of agents.active$ | async; track agent.id) {
                  <option [value]="agent.id">{{ agent.firstName }} {{ agent.lastName }}</option>
                }
              </select>
            </label>
          </div>
          @if (macroForm.controls.status.value) {
            <label class="block text-sm text-gray-700">{{ i18n.local(M, 'macros.statusReason') }}
              <input formControlName="statusReason" [class]="input" data-testid="macro-status-reason" />
            </label>
          }
          <div class="grid gap-2 sm:grid-cols-2">
            <label class="block text-sm text-gray-700">{{ i18n.local(M, 'macros.addTags') }}
              <input formControlName="addTags" [class]="input" data-testid="macro-add-tags" />
            </label>
            <label class="block text-sm text-gray-700">{{ i18n.local(M, 'macros.removeTags') }}
              <input formControlName="removeTags" [class]="input" data-testid="macro-remove-tags" />
            </label>
          </div>
          <label class="block text-sm text-gray-700">{{ i18n.local(M, 'macros.note') }}
            <textarea formControlName="note" rows="2" [class]="input" data-testid="macro-note"></textarea>
          </label>
          <label class="block text-sm text-gray-700">{{ i18n.local(M, 'macros.reply') }}
            <textarea formControlName="reply" rows="2" [class]="input" data-testid="macro-reply"></textarea>
          </label>
          <p class="text-xs text-gray-500">{{ i18n.local(M, 'replies.variables', { list: variables }) }}</p>
          @if (auth.isAdmin) {
            <label class="flex items-center gap-2 text-sm text-gray-700">
              <input type="checkbox" formControlName="shared" class="h-4 w-4 rounded border-gray-300" data-testid="macro-shared" />
              {{ i18n.local(M, 'replies.shareWithAll') }}
            </label>
          }
          @if (macroEmpty()) {
            <p class="text-sm text-red-700" role="alert">{{ i18n.local(M, 'macros.empty') }}</p>
          }
          <div class="flex gap-2">
            <button type="submit" [class]="primary" [disabled]="busy() || macroForm.invalid" data-testid="macro-save">{{ i18n.t('common.save') }}</button>
            @if (editingMacro()) {
              <button type="button" [class]="button" (click)="resetMacro()">{{ i18n.t('common.cancel') }}</button>
            }
          </div>
        </form>
      </section>
    </div>
  `,
})
export class RepliesPage implements OnInit {
  protected readonly i18n = inject(I18nService);
  protected readonly M = REPLIES_MESSAGES;
  protected readonly auth = inject(AuthService);
  protected readonly agents = inject(AgentsService);
  protected readonly replies = inject(RepliesService);

  protected readonly input = INPUT;
  protected readonly button = BUTTON;
  protected readonly primary = PRIMARY;
  protected readonly statuses = STATUSES;
  protected readonly priorities = PRIORITIES;
  protected readonly variables = REPLY_VARIABLES.map((name) => `{${name}}`).join(' ');
  protected readonly busy = signal(false);
  protected readonly problem = signal('');
  protected readonly editingReply = signal<CannedReply | null>(null);
  protected readonly editingMacro = signal<Macro | null>(null);
  protected readonly macroEmpty = signal(false);

  protected readonly replyForm = new FormGroup({
    title: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    shortcut: new FormControl('', { nonNullable: true, validators: [Validators.pattern(/^[\w-]*$/)] }),
    body: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    shared: new FormControl(false, { nonNullable: true }),
  });
  protected readonly macroForm = new FormGroup({
    title: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    status: new FormControl<TicketStatus | ''>('', { nonNullable: true }),
    statusReason: new FormControl('', { nonNullable: true }),
    priority: new FormControl<Priority | ''>('', { nonNullable: true }),
    assignee: new FormControl('', { nonNullable: true }),
    addTags: new FormControl('', { nonNullable: true }),
    removeTags: new FormControl('', { nonNullable: true }),
    note: new FormControl('', { nonNullable: true }),
    reply: new FormControl('', { nonNullable: true }),
    shared: new FormControl(false, { nonNullable: true }),
  });

  ngOnInit(): void {
    this.replies.refreshReplies().subscribe({ error: (error: unknown) => this.fail(error) });
    this.replies.refreshMacros().subscribe({ error: (error: unknown) => this.fail(error) });
  }

  /** Own items, and shared ones for admins. */
  protected mayEdit(item: CannedReply | Macro): boolean {
    return item.shared ? this.auth.isAdmin : item.ownerId === this.auth.agent?.id;
  }

  protected summary(macro: Macro): string {
    const a = macro.actions;
    const parts: string[] = [];
    if (a.assignee) parts.push(`${this.i18n.local(this.M, 'macros.assignee')}: ${a.assignee === 'me' ? this.i18n.local(this.M, 'macros.me') : (macro.assigneeName ?? this.agents.name(a.assignee))}`);
    if (a.status) parts.push(`${this.i18n.local(this.M, 'macros.status')}: ${this.i18n.status(a.status)}`);
    if (a.priority) parts.push(`${this.i18n.local(this.M, 'macros.priority')}: ${this.i18n.priority(a.priority)}`);
    if (a.addTags.length) parts.push(`+${a.addTags.join(', +')}`);
    if (a.removeTags.length) parts.push(`−${a.removeTags.join(', −')}`);
    if (a.note) parts.push(this.i18n.local(this.M, 'macros.change.note'));
    if (a.reply) parts.push(this.i18n.local(this.M, 'macros.change.reply'));
    return parts.join(' · ');
  }

  protected editReply(reply: CannedReply): void {
    this.editingReply.set(reply);
    this.replyForm.reset({ title: reply.title, shortcut: reply.shortcut ?? '', body: reply.body, shared: reply.shared });
  }

  protected resetReply(): void {
    this.editingReply.set(null);
    this.replyForm.reset({ title: '', shortcut: '', body: '', shared: false });
  }

  protected saveReply(): void {
    const { title, shortcut, body, shared } = this.replyForm.getRawValue();
    const fields = { title, body, shortcut: shortcut.trim() || null, ...(this.auth.isAdmin ? { shared } : {}) };
    const editing = this.editingReply();
    const save: Observable<unknown> = editing ? this.replies.updateReply(editing.id, fields) : this.replies.createReply(fields);
    this.run(save, () => this.resetReply());
  }

  protected deleteReply(reply: CannedReply): void {
    this.run(this.replies.deleteReply(reply.id), () => (this.editingReply()?.id === reply.id ? this.resetReply() : undefined));
  }

  protected editMacro(macro: Macro): void {
    const a = macro.actions;
    this.editingMacro.set(macro);
    this.macroForm.reset({
      title: macro.title,
      status: a.status ?? '',
      statusReason: a.statusReason ?? '',
      priority: a.priority ?? '',
      assignee: a.assignee ?? '',
      addTags: a.addTags.join(', '),
      removeTags: a.removeTags.join(', '),
      note: a.note ?? '',
      reply: a.reply ?? '',
      shared: macro.shared,
    });
  }

  protected resetMacro(): void {
    this.editingMacro.set(null);
    this.macroEmpty.set(false);
    this.macroForm.reset();
  }

  protected saveMacro(): void {
    const values = this.macroForm.getRawValue();
    const actions = macroActions(values);
    this.macroEmpty.set(actions === null);
    if (actions === null) return;
    const fields = { title: values.title, actions, ...(this.auth.isAdmin ? { shared: values.shared } : {}) };
    const editing = this.editingMacro();
    const save: Observable<unknown> = editing ? this.replies.updateMacro(editing.id, fields) : this.replies.createMacro(fields);
    this.run(save, () => this.resetMacro());
  }

  protected deleteMacro(macro: Macro): void {
    this.run(this.replies.deleteMacro(macro.id), () => (this.editingMacro()?.id === macro.id ? this.resetMacro() : undefined));
  }

  private run(action: Observable<unknown>, done: () => void): void {
    this.busy.set(true);
    this.problem.set('');
    action.subscribe({
      next: () => {
        this.busy.set(false);
        done();
      },
      error: (error: unknown) => this.fail(error),
    });
  }

  private fail(error: unknown): void {
    this.busy.set(false);
    this.problem.set(this.i18n.t('common.error', { message: toApiError(error).message }));
  }
}
