import { ChangeDetectionStrategy, ChangeDetectorRef, Component, OnInit, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { AbstractControl, FormArray, FormControl, FormGroup, ReactiveFormsModule, ValidationErrors, Validators } from '@angular/forms';

import { AgentsService } from '../core/agents.service';
import { I18nService } from '../core/i18n.service';
import { MessageKey } from '../core/messages';
import { BusinessCalendar, PausableStatus, Priority, SlaPolicy, SlaTarget, TimeZone } from '../core/models';
import { SaveState, SaveStatus } from './save-state';
import { SettingsService } from './settings.service';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;

export type DurationUnit = 'minutes' | 'hours';
export type CalendarMode = '24x7' | 'business';

const UNIT_MS: Record<DurationUnit, number> = { minutes: MINUTE_MS, hours: HOUR_MS };
const ALWAYS = '24x7';

export const PRIORITIES: Priority[] = ['urgent', 'high', 'medium', 'low'];
/** The statuses that may pause a clock: a new ticket's clock runs, resolving and closing stop it. */
export const PAUSABLE: PausableStatus[] = ['open', 'in_progress', 'pending_customer', 'waiting_internal'];
/** ISO weekdays, 1 = Monday. */
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];
const TARGET_KINDS = ['firstResponse', 'resolution'] as const;

/** The calendar the form offers when the policy runs 24x7 (the server's own default). */
const OFFICE_HOURS: BusinessCalendar = {
  timeZone: 'UTC',
  workingDays: [1, 2, 3, 4, 5],
  workingHours: { start: '09:00', end: '18:00' },
  holidays: [],
};

/** A target as the form shows it: whole hours when it is some, else minutes. */
export function toDuration(ms: number): { amount: number; unit: DurationUnit } {
  if (ms >= HOUR_MS && ms % HOUR_MS === 0) return { amount: ms / HOUR_MS, unit: 'hours' };
  return { amount: ms / MINUTE_MS, unit: 'minutes' };
}

export function toMs(amount: number, unit: DurationUnit): number {
  return Math.round(Number(amount) * UNIT_MS[unit]);
}

function positive(control: AbstractControl<number>): ValidationErrors | null {
  return Number(control.value) > 0 ? null : { positive: true };
}

function durationForm() {
  return new FormGroup({
    amount: new FormControl(1, { nonNullable: true, validators: [Validators.required, positive] }),
    unit: new FormControl<DurationUnit>('hours', { nonNullable: true }),
  });
}

function targetForm() {
  return new FormGroup({ firstResponse: durationForm(), resolution: durationForm() });
}

function flag(): FormControl<boolean> {
  return new FormControl(false, { nonNullable: true });
}

export function holidayControl(day = ''): FormControl<string> {
  return new FormControl(day, { nonNullable: true, validators: [Validators.required] });
}

/** The SLA policy form: targets entered in minutes or hours, the warning as a percentage. */
export function slaForm() {
  return new FormGroup({
    targets: new FormGroup({ urgent: targetForm(), high: targetForm(), medium: targetForm(), low: targetForm() }),
    calendarMode: new FormControl<CalendarMode>('24x7', { nonNullable: true }),
    calendar: new FormGroup({
      timeZone: new FormControl('UTC', { nonNullable: true, validators: [Validators.required] }),
      workingDays: new FormArray(WEEKDAYS.map(() => flag())),
      start: new FormControl('09:00', { nonNullable: true, validators: [Validators.required] }),
      end: new FormControl('18:00', { nonNullable: true, validators: [Validators.required] }),
      holidays: new FormArray<FormControl<string>>([]),
    }),
    pauseStatuses: new FormArray(PAUSABLE.map(() => flag())),
    warningPercent: new FormControl(75, { nonNullable: true, validators: [Validators.required, Validators.min(1), Validators.max(99)] }),
    onBreach: new FormGroup({
      escalate: flag(),
      toAgentId: new FormControl('', { nonNullable: true }),
      raisePriority: flag(),
    }),
  });
}

export type SlaForm = ReturnType<typeof slaForm>;

/** Put `policy` in the form (a 24x7 policy keeps office hours ready in the calendar fields). */
export function fillSlaForm(form: SlaForm, policy: SlaPolicy): void {
  const calendar = policy.calendar === ALWAYS ? OFFICE_HOURS : policy.calendar;
  const holidays = form.controls.calendar.controls.holidays;
  holidays.clear();
  for (const day of calendar.holidays) holidays.push(holidayControl(day));
  const target = (priority: Priority) => ({
    firstResponse: toDuration(policy.targets[priority].firstResponseMs),
    resolution: toDuration(policy.targets[priority].resolutionMs),
  });
  form.setValue({
    targets: { urgent: target('urgent'), high: target('high'), medium: target('medium'), low: target('low') },
    calendarMode: policy.calendar === ALWAYS ? '24x7' : 'business',
    calendar: {
      timeZone: calendar.timeZone,
      workingDays: WEEKDAYS.map((day) => calendar.workingDays.includes(day)),
      start: calendar.workingHours.start,
      end: calendar.workingHours.end,
      holidays: [...calendar.holidays],
    },
    pauseStatuses: PAUSABLE.map((status) => policy.pauseStatuses.includes(status)),
    warningPercent: Math.round(policy.warningAt * 10_000) / 100,
    onBreach: {
      escalate: policy.onBreach.escalate,
      toAgentId: policy.onBreach.toAgentId ?? '',
      raisePriority: policy.onBreach.raisePriority,
    },
  });
}

/** The policy the form describes, as `PUT /config/sla` takes it (targets in milliseconds). */
export function toSlaPolicy(form: SlaForm): SlaPolicy {
  const value = form.getRawValue();
  const targets = {} as Record<Priority, SlaTarget>;
  for (const priority of PRIORITIES) {
    const { firstResponse, resolution } = value.targets[priority];
    targets[priority] = {
      firstResponseMs: toMs(firstResponse.amount, firstResponse.unit),
      resolutionMs: toMs(resolution.amount, resolution.unit),
    };
  }
  const { calendar } = value;
  return {
    targets,
    calendar:
      value.calendarMode === ALWAYS
        ? ALWAYS
        : {
            // Typed free text: the API refuses a name it does not list (422 naming the field).
            timeZone: calendar.timeZone.trim() as TimeZone,
            workingDays: WEEKDAYS.filter((_, i) => calendar.workingDays[i]),
            workingHours: { start: calendar.start, end: calendar.end },
            holidays: calendar.holidays.filter((day) => day !== ''),
          },
    pauseStatuses: PAUSABLE.filter((_, i) => value.pauseStatuses[i]),
    warningAt: Number(value.warningPercent) / 100,
    onBreach: {
      escalate: value.onBreach.escalate,
      toAgentId: value.onBreach.escalate && value.onBreach.toAgentId ? value.onBreach.toAgentId : null,
      raisePriority: value.onBreach.raisePriority,
    },
  };
}

function timeZones(): string[] {
  return typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
}

const INPUT = 'mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 text-sm';
const LEGEND = 'text-sm font-semibold text-gray-900';

/** The SLA policy: targets per priority, the calendar the clocks count in, what pauses them,
 * when to warn and what a breach does. */
@Component({
  selector: 'app-sla-settings',
  imports: [ReactiveFormsModule, SaveStatus],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form [formGroup]="form" (ngSubmit)="save()" class="max-w-3xl space-y-6 rounded-lg border border-gray-200 bg-white p-4" data-testid="sla-form">
      <p class="text-sm text-gray-600">{{ i18n.t('sla.intro') }}</p>

      <fieldset formGroupName="targets">
        <legend [class]="legend">{{ i18n.t('sla.targets') }}</legend>
        <table class="mt-2 w-full text-sm">
          <thead>
            <tr class="text-left text-xs uppercase tracking-wide text-gray-500">
              <th class="py-1 pr-2 font-medium">{{ i18n.t('sla.priority') }}</th>
              <th class="py-1 pr-2 font-medium">{{ i18n.t('sla.firstResponse') }}</th>
              <th class="py-1 pr-2 font-medium">{{ i18n.t('sla.resolution') }}</th>
            </tr>
          </thead>
          <tbody>
            @for (priority of priorities; track priority) {
              <tr [formGroupName]="priority" class="align-top">
                <th class="py-2 pr-2 text-left font-medium text-gray-800">{{ i18n.priority(priority) }}</th>
                @for (kind of kinds; track kind) {
                  <td class="py-1 pr-2" [formGroupName]="kind">
                    <span class="flex gap-1">
                      <input type="number" min="0" step="any" formControlName="amount" class="w-24 rounded-md border border-gray-300 px-2 py-1.5 text-sm" [attr.aria-label]="i18n.priority(priority) + ' · ' + i18n.t(kindLabel(kind))" [attr.data-testid]="'sla-' + priority + '-' + kind" />
                      <select formControlName="unit" class="rounded-md border border-gray-300 bg-white px-2 py-1.5 text-sm" [attr.data-testid]="'sla-' + priority + '-' + kind + '-unit'">
                        <option value="minutes">{{ i18n.t('sla.minutes') }}</option>
                        <option value="hours">{{ i18n.t('sla.hours') }}</option>
                      </select>
                    </span>
                    <span class="text-xs text-red-700" role="alert">{{ save_.reason('targets.' + priority + '.' + kind + 'Ms') }}</span>
                  </td>
                }
              </tr>
            }
          </tbody>
        </table>
      </fieldset>

      <fieldset class="space-y-3">
        <legend [class]="legend">{{ i18n.t('sla.calendar') }}</legend>
        <div class="flex flex-wrap gap-4 text-sm text-gray-700">
          <label class="flex items-center gap-2"><input type="radio" formControlName="calendarMode" value="24x7" data-testid="sla-mode-always" /> {{ i18n.t('sla.always') }}</label>
          <label class="flex items-center gap-2"><input type="radio" formControlName="calendarMode" value="business" data-testid="sla-mode-business" /> {{ i18n.t('sla.business') }}</label>
        </div>
        <span class="text-xs text-red-700" role="alert">{{ save_.reason('calendar') }}</span>
        @if (mode() === 'business') {
          <div formGroupName="calendar" class="grid gap-3 sm:grid-cols-2" data-testid="sla-calendar">
            <label class="text-sm text-gray-700 sm:col-span-2">{{ i18n.t('sla.timeZone') }}
              <input formControlName="timeZone" list="sla-time-zones" [class]="input" data-testid="sla-time-zone" />
              <datalist id="sla-time-zones">
                @for (zone of zones; track zone) {
                  <option [value]="zone"></option>
                }
              </datalist>
              <span class="text-xs text-red-700" role="alert">{{ save_.reason('calendar.timeZone') }}</span>
            </label>
            <div class="sm:col-span-2" formArrayName="workingDays">
              <p class="text-sm text-gray-700">{{ i18n.t('sla.workingDays') }}</p>
              <div class="mt-1 flex flex-wrap gap-3">
                @for (day of weekdays; track day; let i = $index) {
                  <label class="flex items-center gap-1 text-sm text-gray-700"><input type="checkbox" [formControlName]="i" class="h-4 w-4 rounded border-gray-300" [attr.data-testid]="'sla-day-' + day" /> {{ i18n.t(weekdayLabel(day)) }}</label>
                }
              </div>
              <span class="text-xs text-red-700" role="alert">{{ save_.reason('calendar.workingDays') }}</span>
            </div>
            <label class="text-sm text-gray-700">{{ i18n.t('sla.start') }}
              <input type="time" formControlName="start" [class]="input" data-testid="sla-start" />
              <span class="text-xs text-red-700" role="alert">{{ save_.reason('calendar.workingHours.start') }}</span>
            </label>
            <label class="text-sm text-gray-700">{{ i18n.t('sla.end') }}
              <input type="time" formControlName="end" [class]="input" data-testid="sla-end" />
              <span class="text-xs text-red-700" role="alert">{{ save_.reason('calendar.workingHours.end') }}</span>
            </label>
            <div class="sm:col-span-2" formArrayName="holidays">
              <p class="text-sm text-gray-700">{{ i18n.t('sla.holidays') }}</p>
              <ul class="mt-1 space-y-1">
                @for (holiday of holidays.controls; track holiday; let i = $index) {
                  <li class="flex flex-wrap items-center gap-2" data-testid="sla-holiday">
                    <input type="date" [formControlName]="i" class="rounded-md border border-gray-300 px-2 py-1.5 text-sm" />
                    <button type="button" (click)="holidays.removeAt(i)" class="rounded border border-red-200 px-2 py-0.5 text-sm text-red-700">{{ i18n.t('common.remove') }}</button>
                    <span class="text-xs text-red-700" role="alert">{{ save_.reason('calendar.holidays.' + i) }}</span>
                  </li>
                } @empty {
                  <li class="text-xs text-gray-500">{{ i18n.t('sla.noHolidays') }}</li>
                }
              </ul>
              <button type="button" (click)="addHoliday()" class="mt-2 rounded-md border border-gray-300 bg-white px-3 py-1.5 text-sm font-medium" data-testid="sla-add-holiday">+ {{ i18n.t('sla.addHoliday') }}</button>
            </div>
          </div>
        }
      </fieldset>

      <fieldset formArrayName="pauseStatuses">
        <legend [class]="legend">{{ i18n.t('sla.pauseStatuses') }}</legend>
        <div class="mt-2 flex flex-wrap gap-4">
          @for (status of pausable; track status; let i = $index) {
            <label class="flex items-center gap-2 text-sm text-gray-700"><input type="checkbox" [formControlName]="i" class="h-4 w-4 rounded border-gray-300" [attr.data-testid]="'sla-pause-' + status" /> {{ i18n.status(status) }}</label>
          }
        </div>
        <span class="text-xs text-red-700" role="alert">{{ save_.reason('pauseStatuses') }}</span>
      </fieldset>

      <label class="block max-w-xs text-sm text-gray-700">{{ i18n.t('sla.warningAt') }}
        <input type="number" min="1" max="99" step="any" formControlName="warningPercent" [class]="input" data-testid="sla-warning" />
        <span class="text-xs text-red-700" role="alert">{{ save_.reason('warningAt') }}</span>
      </label>

      <fieldset formGroupName="onBreach" class="space-y-2">
        <legend [class]="legend">{{ i18n.t('sla.onBreach') }}</legend>
        <label class="flex items-center gap-2 text-sm text-gray-700"><input type="checkbox" formControlName="escalate" class="h-4 w-4 rounded border-gray-300" data-testid="sla-escalate" /> {{ i18n.t('sla.escalate') }}</label>
        @if (escalating()) {
          <label class="block max-w-sm pl-6 text-sm text-gray-700">{{ i18n.t('sla.toAgent') }}
            <select formControlName="toAgentId" [class]="input + ' bg-white'" data-testid="sla-to-agent">
              <option value="">{{ i18n.t('sla.assignee') }}</option>
              @for (agent of agentOptions(); track agent.id) {
                <option [value]="agent.id">{{ agent.name }}</option>
              }
            </select>
            <span class="text-xs text-red-700" role="alert">{{ save_.reason('onBreach.toAgentId') }}</span>
          </label>
        }
        <label class="flex items-center gap-2 text-sm text-gray-700"><input type="checkbox" formControlName="raisePriority" class="h-4 w-4 rounded border-gray-300" data-testid="sla-raise-priority" /> {{ i18n.t('sla.raisePriority') }}</label>
      </fieldset>

      <div class="flex flex-wrap items-center gap-2">
        <button type="submit" [disabled]="save_.busy() || form.invalid" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white disabled:opacity-60" data-testid="settings-save">{{ i18n.t('common.save') }}</button>
        <button type="button" (click)="reset()" class="ml-auto text-sm text-gray-600 underline" data-testid="settings-reset">{{ i18n.t('common.resetDefault') }}</button>
      </div>
      <app-save-status [state]="save_" [savedText]="i18n.t('common.saved')" />
    </form>
  `,
})
export class SlaSettings implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly settings = inject(SettingsService);
  private readonly agents = inject(AgentsService);
  private readonly changes = inject(ChangeDetectorRef);
  protected readonly save_ = new SaveState();
  protected readonly input = INPUT;
  protected readonly legend = LEGEND;
  protected readonly priorities = PRIORITIES;
  protected readonly kinds = TARGET_KINDS;
  protected readonly pausable = PAUSABLE;
  protected readonly weekdays = WEEKDAYS;
  protected readonly zones = timeZones();
  protected readonly form = slaForm();
  protected readonly holidays = this.form.controls.calendar.controls.holidays;

  private readonly calendarMode = this.form.controls.calendarMode;
  private readonly onBreach = this.form.controls.onBreach.controls;
  protected readonly mode = toSignal(this.calendarMode.valueChanges, { initialValue: this.calendarMode.value });
  protected readonly escalating = toSignal(this.onBreach.escalate.valueChanges, { initialValue: this.onBreach.escalate.value });
  private readonly chosenAgent = toSignal(this.onBreach.toAgentId.valueChanges, { initialValue: this.onBreach.toAgentId.value });
  private readonly active = toSignal(this.agents.active$, { initialValue: [] });
  /** Active agents, and the chosen one even when it no longer is. */
  protected readonly agentOptions = computed(() => {
    const options = this.active().map((agent) => ({ id: agent.id, name: `${agent.firstName} ${agent.lastName}`.trim() }));
    const chosen = this.chosenAgent();
    if (chosen && !options.some((option) => option.id === chosen)) options.push({ id: chosen, name: this.agents.name(chosen) });
    return options;
  });

  constructor() {
    // The calendar's fields count only when the clocks keep business hours.
    this.calendarMode.valueChanges.subscribe((mode) => this.syncCalendar(mode));
    this.syncCalendar(this.calendarMode.value);
  }

  ngOnInit(): void {
    this.settings.sla().subscribe((policy) => this.fill(policy));
  }

  protected kindLabel(kind: (typeof TARGET_KINDS)[number]): MessageKey {
    return `sla.${kind}`;
  }

  protected weekdayLabel(day: number): MessageKey {
    return `weekday.${day}` as MessageKey;
  }

  protected addHoliday(): void {
    this.holidays.push(holidayControl());
  }

  protected save(): void {
    this.save_.run(this.settings.saveSla(toSlaPolicy(this.form)), (saved) => this.fill(saved));
  }

  protected reset(): void {
    if (!confirm(this.i18n.t('common.resetConfirm'))) return;
    this.save_.run(this.settings.reset('sla_policy'), () => this.ngOnInit());
  }

  private syncCalendar(mode: CalendarMode): void {
    const calendar = this.form.controls.calendar;
    if (mode === 'business') calendar.enable({ emitEvent: false });
    else calendar.disable({ emitEvent: false });
  }

  private fill(policy: SlaPolicy): void {
    fillSlaForm(this.form, policy);
    this.changes.markForCheck(); // arrives over HTTP: nothing else tells a zoneless view
  }
}
