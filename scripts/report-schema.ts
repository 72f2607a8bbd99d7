/** Writes shared/report.schema.json from the report format's schema (shared/report-format.ts). `npm run report-schema`. */
import { writeFileSync } from 'node:fs';
import { reportSchemaText } from '../shared/report-format.ts';

writeFileSync(new URL('../shared/report.schema.json', import.meta.url), reportSchemaText());
