import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { AbstractControl, FormArray, FormControl, FormGroup, ReactiveFormsModule, ValidationErrors } from '@angular/forms';
import { startWith, switchMap } from 'rxjs';

import { I18nService } from '../core/i18n.service';
import { MessageKey } from '../core/messages';
import { EVENT_TYPES, EVERY_EVENT, EventType } from './webhooks.service';

export interface EventChoice {
  all: boolean;
  events: boolean[];
}

function someEvent(group: AbstractControl<Partial<EventChoice>>): ValidationErrors | null {
  const { all, events } = (group as FormGroup<{ all: FormControl<boolean>; events: FormArray<FormControl<boolean>> }>).getRawValue();
  return all || events.some(Boolean) ? null : { required: true };
}

/** `eventTypes` as the checkboxes show them: "all" (`*`), else one box per event type. */
export function fromEventTypes(eventTypes: readonly string[]): EventChoice {
  return { all: eventTypes.includes(EVERY_EVENT), events: EVENT_TYPES.map((type) => eventTypes.includes(type)) };
}

/** The checkboxes as `eventTypes`: `["*"]` when "all" is ticked, else the ticked types in order. */
export function toEventTypes(choice: EventChoice): (EventType | typeof EVERY_EVENT)[] {
  return choice.all ? [EVERY_EVENT] : EVENT_TYPES.filter((_, i) => choice.events[i]);
}

/** "All events", or at least one of them. */
export function eventTypesForm(eventTypes: readonly string[] = []) {
  const choice = fromEventTypes(eventTypes);
  return new FormGroup(
    {
      all: new FormControl(choice.all, { nonNullable: true }),
      events: new FormArray(choice.events.map((ticked) => new FormControl(ticked, { nonNullable: true }))),
    },
    { validators: someEvent },
  );
}

export type EventTypesForm = ReturnType<typeof eventTypesForm>;

export function eventLabel(type: EventType): MessageKey {
  return `webhookEvent.${type}`;
}

/** A webhook's event types in words ("All events", or the labels). */
export function describeEventTypes(eventTypes: readonly string[], t: (key: MessageKey) => string): string[] {
  if (eventTypes.includes(EVERY_EVENT)) return [t('webhooks.allEvents')];
  return eventTypes.map((type) => ((EVENT_TYPES as readonly string[]).includes(type) ? t(eventLabel(type as EventType)) : type));
}

/** The event-type checkboxes: "all" (which greys the rest out), or one per ticket event. */
@Component({
  selector: 'app-webhook-events',
  imports: [ReactiveFormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <fieldset [formGroup]="group()" [attr.data-testid]="prefix() + '-events'">
      <legend class="text-sm text-gray-700">{{ i18n.t('webhooks.eventTypes') }}</legend>
      <label class="mt-1 flex items-start gap-2 text-sm text-gray-800">
        <input type="checkbox" formControlName="all" class="mt-0.5 h-4 w-4 shrink-0 rounded border-gray-300" [attr.data-testid]="prefix() + '-event-all'" />
        <span><span class="font-medium">{{ i18n.t('webhooks.allEvents') }}</span>&ngsp;<code class="text-xs text-gray-500">["*"]</code><br /><span class="text-xs text-gray-600">{{ i18n.t('webhooks.allEventsHint') }}</span></span>
      </label>
      <fieldset formArrayName="events" [disabled]="allTicked()" class="mt-2 grid gap-1 disabled:opacity-50 sm:grid-cols-2">
        @for (type of types; track type; let i = $index) {
          <label class="flex items-start gap-2 text-sm text-gray-800">
            <input type="checkbox" [formControlName]="i" class="mt-0.5 h-4 w-4 shrink-0 rounded border-gray-300" [attr.data-testid]="prefix() + '-event-' + type" />
            <span>{{ i18n.t(label(type)) }} <code class="block text-xs text-gray-500">{{ type }}</code></span>
          </label>
        }
      </fieldset>
      <span class="text-xs text-red-700" role="alert" data-error-for="eventTypes">{{ error() }}</span>
    </fieldset>
  `,
})
export class WebhookEventsField {
  protected readonly i18n = inject(I18nService);
  readonly group = input.required<EventTypesForm>();
  /** Starts the `data-testid`s (`new`, `edit`). */
  readonly prefix = input('webhook');
  /** The server's reason for `eventTypes` (a 422). */
  readonly error = input('');
  protected readonly types = EVENT_TYPES;
  /** "All" ticked (also when the form is reset or filled from outside). */
  protected readonly allTicked = toSignal(
    toObservable(this.group).pipe(switchMap((group) => group.controls.all.valueChanges.pipe(startWith(group.controls.all.value)))),
    { initialValue: false },
  );

  protected label(type: EventType): MessageKey {
    return eventLabel(type);
  }
}
