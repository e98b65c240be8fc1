import { ChangeDetectionStrategy, Component, OnInit, inject } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';

import { I18nService } from '../core/i18n.service';
import { SaveState, SaveStatus } from './save-state';
import { SettingsService } from './settings.service';

/** Where the console's maps take their tiles from (OpenStreetMap's by default). */
@Component({
  selector: 'app-map-settings',
  imports: [ReactiveFormsModule, SaveStatus],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form [formGroup]="form" (ngSubmit)="save()" class="max-w-2xl space-y-3 rounded-lg border border-gray-200 bg-white p-4">
      <label class="block text-sm text-gray-700">{{ i18n.t('settings.tileUrl') }}
        <input formControlName="tileUrl" class="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 font-mono text-sm" data-testid="tile-url" />
        <span class="text-xs text-gray-500">{{ i18n.t('settings.tileUrlHint') }}</span>
        <span class="block text-xs text-red-700" role="alert">{{ save_.reason('tileUrl') }}</span>
      </label>
      <label class="block text-sm text-gray-700">{{ i18n.t('settings.tileAttribution') }}
        <input formControlName="attribution" class="mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 text-sm" data-testid="tile-attribution" />
        <span class="block text-xs text-red-700" role="alert">{{ save_.reason('attribution') }}</span>
      </label>
      <div class="flex flex-wrap items-center gap-2">
        <button type="submit" [disabled]="save_.busy() || form.invalid" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white disabled:opacity-60" data-testid="settings-save">{{ i18n.t('common.save') }}</button>
        <button type="button" (click)="reset()" class="ml-auto text-sm text-gray-600 underline">{{ i18n.t('common.resetDefault') }}</button>
      </div>
      <app-save-status [state]="save_" [savedText]="i18n.t('common.saved')" />
    </form>
  `,
})
export class MapSettings implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly settings = inject(SettingsService);
  protected readonly save_ = new SaveState();
  protected readonly form = new FormGroup({
    tileUrl: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    attribution: new FormControl('', { nonNullable: true }),
    maxZoom: new FormControl(19, { nonNullable: true }),
  });

  ngOnInit(): void {
    this.settings.mapTiles().subscribe((tiles) => this.form.setValue(tiles));
  }

  protected save(): void {
    this.save_.run(this.settings.saveMapTiles(this.form.getRawValue()), (saved) => this.form.setValue(saved));
  }

  protected reset(): void {
    if (!confirm(this.i18n.t('common.resetConfirm'))) return;
    this.save_.run(this.settings.reset('map_tiles'), () => this.ngOnInit());
  }
}
