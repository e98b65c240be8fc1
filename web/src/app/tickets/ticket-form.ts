import { AsyncPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Observable, catchError, map, of, switchMap } from 'rxjs';

import { ApiError, errorsByField, toApiError } from '../core/api-error';
import { ConfigService, categoryLabel } from '../core/config.service';
import { I18nService } from '../core/i18n.service';
import { Category, Conversation, Customer, Priority, Ticket } from '../core/models';
import { ToastService } from '../core/toast.service';
import { AgentsService } from '../core/agents.service';
import { AuthService } from '../core/auth.service';
import { ConversationService } from '../conversations/conversation.service';
import { CustomerPicker } from '../customers/customer-picker';
import { NewTicket, TicketChanges, TicketService } from './ticket.service';
import { PRIORITIES } from './ticket-workflow';
import { MapMarker, MapPoint, MapWidget } from '../widgets/map';

export const SUBJECT_MAX = 200;

export function ticketForm(): FormGroup<{
  subject: FormControl<string>;
  description: FormControl<string>;
  category: FormControl<string>;
  subcategory: FormControl<string>;
  priority: FormControl<Priority>;
  tags: FormControl<string>;
  customerId: FormControl<string>;
  conversationId: FormControl<string>;
  address: FormControl<string>;
  latitude: FormControl<number | null>;
  longitude: FormControl<number | null>;
}> {
  return new FormGroup({
    subject: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.maxLength(SUBJECT_MAX)] }),
    description: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    category: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    subcategory: new FormControl('', { nonNullable: true }),
    priority: new FormControl<Priority>('medium', { nonNullable: true }),
    tags: new FormControl('', { nonNullable: true }),
    customerId: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    conversationId: new FormControl('', { nonNullable: true }),
    address: new FormControl('', { nonNullable: true, validators: [Validators.maxLength(2000)] }),
    latitude: new FormControl<number | null>(null, { validators: [Validators.min(-90), Validators.max(90)] }),
    longitude: new FormControl<number | null>(null, { validators: [Validators.min(-180), Validators.max(180)] }),
  });
}

/** The form's place: an address and/or a point (both coordinates), else none. */
export function locationOf(form: TicketForm): NewTicket['location'] {
  const { address, latitude, longitude } = form.getRawValue();
  const point = latitude !== null && longitude !== null ? { latitude, longitude } : null;
  const text = address.trim();
  if (!text && !point) return null;
  return { address: text || null, coordinates: point };
}

export type TicketForm = ReturnType<typeof ticketForm>;

/** `a, b ,, c` → `['a', 'b', 'c']`. */
export function parseTags(text: string): string[] {
  return text
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
}

export function toNewTicket(form: TicketForm): NewTicket {
  const value = form.getRawValue();
  const location = locationOf(form);
  return {
    subject: value.subject,
    description: value.description,
    category: value.category,
    subcategory: value.subcategory.trim() || null,
    priority: value.priority,
    tags: parseTags(value.tags),
    customerId: value.customerId,
    conversationId: value.conversationId || null,
    ...(location ? { location } : {}),
  };
}

/** Put the server's field errors on the controls they name (kept until the field changes). */
export function showServerErrors(form: TicketForm, error: ApiError): string[] {
  const byField = errorsByField(error);
  const unplaced: string[] = [];
  for (const [field, reason] of Object.entries(byField)) {
    const control = form.get(field);
    if (control) {
      control.setErrors({ ...(control.errors ?? {}), server: reason });
      control.markAsTouched();
    } else {
      unplaced.push(`${field}: ${reason}`);
    }
  }
  return unplaced;
}

const INPUT = 'mt-1 block w-full rounded-md border px-3 py-2 text-sm focus:outline-none focus:ring-2 focus:ring-indigo-200';

/** `/tickets/new` (pre-filled from `?customerId=&conversationId=`; a category chosen on
 * purpose, an assignee; saving opens the new ticket) and `/tickets/:id/edit`. */
@Component({
  selector: 'app-ticket-form',
  imports: [AsyncPipe, ReactiveFormsModule, RouterLink, CustomerPicker, MapWidget],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form [formGroup]="form" (ngSubmit)="submit()" class="mx-auto max-w-3xl space-y-4 rounded-lg border border-gray-200 bg-white p-4 sm:p-6" novalidate>
      <h1 class="text-xl font-semibold text-gray-900">{{ editing() ? i18n.t('form.editTitle', { id: editing()!.ticketId }) : i18n.t('form.createTitle') }}</h1>
      @if (problem()) {
        <p class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert" data-testid="form-error">{{ problem() }}</p>
      }

      <div>
        <span class="block text-sm font-medium text-gray-700">{{ i18n.t('form.customer') }}</span>
        @if (ready()) {
          <app-customer-picker [initialId]="form.controls.customerId.value || null" [locked]="!!editing()" [invalid]="shows('customerId')" (picked)="customerPicked($event)" />
        }
        @if (message('customerId'); as text) {
          <p class="mt-1 text-xs text-red-700" role="alert" data-error-for="customerId">{{ text }}</p>
        }
      </div>

      @if (!editing() && conversations().length) {
        <label class="block text-sm font-medium text-gray-700">{{ i18n.t('form.conversation') }}
          <select formControlName="conversationId" [class]="input + ' border-gray-300 bg-white'" data-testid="conversation">
            <option value="">{{ i18n.t('form.noConversation') }}</option>
            @for (conversation of conversations(); track conversation.id) {
              <option [value]="conversation.id">{{ i18n.source(conversation.channel) }} · {{ i18n.conversationStatus(conversation.status) }} · {{ i18n.ago(conversation.updatedAt) }}</option>
            }
          </select>
        </label>
      }

      <label class="block text-sm font-medium text-gray-700">{{ i18n.t('form.subject') }}
        <input formControlName="subject" [class]="input + border('subject')" [attr.aria-invalid]="shows('subject') || null" data-testid="subject" />
        <span class="mt-0.5 flex justify-between text-xs">
          <span class="text-red-700" role="alert" data-error-for="subject">{{ message('subject') }}</span>
          <span class="text-gray-400">{{ form.controls.subject.value.length }}/{{ subjectMax }}</span>
        </span>
      </label>

      <label class="block text-sm font-medium text-gray-700">{{ i18n.t('form.description') }}
        <textarea formControlName="description" rows="5" [class]="input + border('description')" [attr.aria-invalid]="shows('description') || null" data-testid="description"></textarea>
        <span class="mt-0.5 block text-xs text-red-700" role="alert" data-error-for="description">{{ message('description') }}</span>
      </label>

      <div class="grid gap-4 sm:grid-cols-3">
        <label class="block text-sm font-medium text-gray-700">{{ i18n.t('form.category') }}
          <select formControlName="category" [class]="input + border('category') + ' bg-white'" [attr.aria-invalid]="shows('category') || null" data-testid="category">
            <option value="" disabled>{{ i18n.t('form.chooseCategory') }}</option>
            @for (category of categories$ | async; track category.id) {
              <option [value]="category.id">{{ label(category) }}</option>
            }
            @if (editing(); as ticket) {
              @if (!(categories$ | async)?.some(isCategory(ticket.category))) {
                <option [value]="ticket.category">{{ ticket.category }}</option>
              }
            }
          </select>
          <span class="mt-0.5 block text-xs text-red-700" role="alert" data-error-for="category">{{ message('category') }}</span>
        </label>
        <label class="block text-sm font-medium text-gray-700">{{ i18n.t('form.subcategory') }}
          <input formControlName="subcategory" [class]="input + border('subcategory')" data-testid="subcategory" />
          <span class="mt-0.5 block text-xs text-red-700" role="alert" data-error-for="subcategory">{{ message('subcategory') }}</span>
        </label>
        <label class="block text-sm font-medium text-gray-700">{{ i18n.t('form.priority') }}
          <select formControlName="priority" [class]="input + ' border-gray-300 bg-white'" data-testid="priority">
            @for (priority of priorities; track priority) {
              <option [value]="priority">{{ i18n.priority(priority) }}</option>
            }
          </select>
        </label>
      </div>

      @if (!editing()) {
        <div class="block text-sm font-medium text-gray-700">
          <label for="assignee">{{ i18n.t('form.assignee') }}</label>
          <div class="mt-1 flex gap-2">
            <select id="assignee" [formControl]="assignee" [class]="input + ' mt-0 border-gray-300 bg-white'" data-testid="assignee">
              <option value="">{{ i18n.t('tickets.unassigned') }}</option>
              @for (agent of agents$ | async; track agent.id) {
                <option [value]="agent.id">{{ agent.firstName }} {{ agent.lastName }}</option>
              }
            </select>
            <button type="button" class="shrink-0 rounded-md border border-gray-300 px-3 text-sm font-medium text-gray-700 hover:bg-gray-50" (click)="assignToMe()" data-testid="assign-to-me">{{ i18n.t('form.assignToMe') }}</button>
          </div>
        </div>
      }

      <label class="block text-sm font-medium text-gray-700">{{ i18n.t('form.tags') }}
        <input formControlName="tags" [placeholder]="i18n.t('form.tagsHint')" [class]="input + border('tags')" data-testid="tags" />
        <span class="mt-0.5 block text-xs text-red-700" role="alert" data-error-for="tags">{{ message('tags') }}</span>
      </label>

      <fieldset class="space-y-2" data-testid="location">
        <legend class="text-sm font-medium text-gray-700">{{ i18n.t('location.title') }}</legend>
        <input formControlName="address" [placeholder]="i18n.t('location.address')" [attr.aria-label]="i18n.t('location.address')" [class]="input + border('address')" data-testid="address" />
        <p class="text-xs text-gray-500">{{ i18n.t('location.pickHint') }}</p>
        <app-map [markers]="point()" height="14rem" (picked)="pick($event)" />
        <div class="flex flex-wrap items-center gap-2 text-xs text-gray-600">
          <label>{{ i18n.t('location.latitude') }} <input type="number" step="any" formControlName="latitude" class="ml-1 w-32 rounded border border-gray-300 px-2 py-1" data-testid="latitude" /></label>
          <label>{{ i18n.t('location.longitude') }} <input type="number" step="any" formControlName="longitude" class="ml-1 w-32 rounded border border-gray-300 px-2 py-1" data-testid="longitude" /></label>
          @if (point().length) {
            <button type="button" class="text-indigo-700 hover:underline" (click)="pick(null)">{{ i18n.t('location.clear') }}</button>
          }
        </div>
      </fieldset>

      <div class="flex flex-wrap justify-end gap-2 pt-2">
        <a [routerLink]="editing() ? ['/tickets', editing()!.ticketId] : ['/tickets']" class="rounded-md border border-gray-300 px-4 py-2 text-sm font-medium text-gray-700 hover:bg-gray-50">{{ i18n.t('common.cancel') }}</a>
        <button type="submit" [disabled]="busy()" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60" data-testid="submit">{{ editing() ? i18n.t('common.save') : i18n.t('form.create') }}</button>
      </div>
    </form>
  `,
})
export class TicketFormPage implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly config = inject(ConfigService);
  private readonly tickets = inject(TicketService);
  private readonly conversationsApi = inject(ConversationService);
  private readonly toasts = inject(ToastService);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);

  protected readonly form = ticketForm();
  protected readonly input = INPUT;
  protected readonly subjectMax = SUBJECT_MAX;
  protected readonly priorities = PRIORITIES;
  protected readonly categories$: Observable<Category[]> = this.config.ready$.pipe(
    map((config) => config.ticketCategories),
  );
  protected readonly editing = signal<Ticket | null>(null);
  protected readonly ready = signal(false);
  protected readonly busy = signal(false);
  protected readonly problem = signal('');
  protected readonly conversations = signal<Conversation[]>([]);
  // One key per form visit: a double submit (or a retry after a timeout) creates one ticket.
  private readonly idempotencyKey = crypto.randomUUID();

  private readonly auth = inject(AuthService);
  protected readonly agents$ = inject(AgentsService).active$;
  /** Who the new ticket goes to: nobody, me (`assignToSelf`) or a colleague (assigned next). */
  protected readonly assignee = new FormControl('', { nonNullable: true });

  constructor() {
    // No category until one is chosen on purpose (a default misfiles tickets); a preset that
    // removes the chosen one empties the choice again.
    this.form.valueChanges.pipe(takeUntilDestroyed()).subscribe(() => {
      const { latitude, longitude } = this.form.getRawValue();
      const marker = latitude !== null && longitude !== null ? [{ id: 'point', latitude, longitude }] : [];
      const held = this.point()[0];
      if (held?.latitude !== marker[0]?.latitude || held?.longitude !== marker[0]?.longitude) this.point.set(marker);
    });
    this.categories$.pipe(takeUntilDestroyed()).subscribe((categories) => {
      const category = this.form.controls.category;
      const ids = categories.map((c) => c.id);
      if (category.value && !ids.includes(category.value) && !this.editing()) category.setValue('');
    });
  }

  /** The point on the map, as its marker. */
  protected readonly point = signal<MapMarker[]>([]);

  protected pick(point: MapPoint | null): void {
    this.form.patchValue({ latitude: point?.latitude ?? null, longitude: point?.longitude ?? null });
    this.form.markAsDirty();
  }

  protected assignToMe(): void {
    this.assignee.setValue(this.auth.agent?.id ?? '');
  }

  ngOnInit(): void {
    const id = this.route.snapshot.paramMap.get('id');
    if (id) {
      this.loadTicket(id);
      return;
    }
    const query = this.route.snapshot.queryParamMap;
    this.form.patchValue({
      customerId: query.get('customerId') ?? '',
      conversationId: query.get('conversationId') ?? '',
    });
    if (this.form.controls.customerId.value) this.loadConversations(this.form.controls.customerId.value);
    this.ready.set(true);
  }

  /** The ticket being edited, fresh (also after a 409: someone saved it first). */
  private loadTicket(id: string): void {
    this.tickets.get(id).subscribe({
      next: (ticket) => {
        this.editing.set(ticket);
        this.form.patchValue({
          subject: ticket.subject,
          description: ticket.description,
          category: ticket.category,
          subcategory: ticket.subcategory ?? '',
          priority: ticket.priority,
          tags: ticket.tags.join(', '),
          customerId: ticket.customerId,
          conversationId: ticket.conversationId ?? '',
          address: ticket.location?.address ?? '',
          latitude: ticket.location?.coordinates?.latitude ?? null,
          longitude: ticket.location?.coordinates?.longitude ?? null,
        });
        this.ready.set(true);
      },
      error: (error: unknown) => this.problem.set(toApiError(error).message),
    });
  }

  protected customerPicked(customer: Customer | null): void {
    const control = this.form.controls.customerId;
    const changed = control.value !== (customer?.id ?? '');
    control.setValue(customer?.id ?? '');
    control.markAsTouched();
    if (!this.editing() && changed) {
      this.form.controls.conversationId.setValue('');
      this.conversations.set([]);
    }
    if (customer && !this.editing()) this.loadConversations(customer.id);
  }

  protected shows(field: keyof TicketForm['controls']): boolean {
    const control = this.form.controls[field];
    return control.invalid && (control.touched || control.dirty);
  }

  protected border(field: keyof TicketForm['controls']): string {
    return this.shows(field) ? ' border-red-400' : ' border-gray-300';
  }

  protected message(field: keyof TicketForm['controls']): string {
    const control = this.form.controls[field];
    if (!this.shows(field) || !control.errors) return '';
    const errors = control.errors;
    if (errors['server']) return String(errors['server']);
    if (errors['required']) return this.i18n.t(field === 'category' ? 'form.categoryRequired' : 'form.required');
    if (errors['maxlength']) return this.i18n.t('form.maxLength', { max: SUBJECT_MAX });
    return '';
  }

  protected isCategory(id: string): (category: Category) => boolean {
    return (category) => category.id === id;
  }

  protected label(category: Category): string {
    return categoryLabel(category, category.id, this.i18n.language());
  }

  protected submit(): void {
    this.problem.set('');
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.problem.set(this.i18n.t('form.invalid'));
      return;
    }
    this.busy.set(true);
    const editing = this.editing();
    const request = editing
      ? this.tickets.update(editing.ticketId, changesOf(this.form, editing), editing.version)
      : this.created();
    request.subscribe({
      next: (ticket) => {
        this.busy.set(false);
        if (!editing) this.toasts.show(this.i18n.t('form.created', { id: ticket.ticketId }), 'success');
        void this.router.navigate(['/tickets', ticket.ticketId]);
      },
      error: (error: unknown) => {
        this.busy.set(false);
        const problem = toApiError(error);
        const unplaced = showServerErrors(this.form, problem);
        const placed = problem.details.length > 0 && unplaced.length === 0;
        this.problem.set(placed ? this.i18n.t('form.invalid') : problem.message);
        if (problem.status === 409 && editing) this.loadTicket(editing.ticketId);
      },
    });
  }

  /** The new ticket, mine from the start or then assigned to the colleague picked (a failed
   * assignment is told, and the ticket still opens). */
  private created(): Observable<Ticket> {
    const assignee = this.assignee.value;
    const mine = assignee !== '' && assignee === this.auth.agent?.id;
    const created = this.tickets.create({ ...toNewTicket(this.form), assignToSelf: mine }, this.idempotencyKey);
    if (!assignee || mine) return created;
    return created.pipe(
      switchMap((ticket) =>
        this.tickets.assign(ticket, assignee).pipe(
          catchError((error: unknown) => {
            this.toasts.show(this.i18n.t('form.assignFailed', { message: toApiError(error).message }), 'error');
            return of(ticket);
          }),
        ),
      ),
    );
  }

  private loadConversations(customerId: string): void {
    this.conversationsApi.ofCustomer(customerId).subscribe({
      next: (conversations) => this.conversations.set(conversations),
      error: () => this.conversations.set([]),
    });
  }
}

/** The edited fields; the place's description (the assistant's words) is kept as it was. */
function changesOf(form: TicketForm, ticket: Ticket): TicketChanges {
  const value = toNewTicket(form);
  const description = ticket.location?.description ?? null;
  const place = locationOf(form);
  const location = place ? { ...place, description } : description ? { address: null, coordinates: null, description } : null;
  return {
    subject: value.subject,
    description: value.description,
    category: value.category,
    subcategory: value.subcategory,
    priority: value.priority,
    tags: value.tags,
    location,
  };
}
