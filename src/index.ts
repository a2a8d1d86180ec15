/** ksymcheck's library API: what the CLI is a thin shell over. */
export { check, checkModules, expandModulePaths, stagesOf, type CheckRequest, type StageChoice } from './check.js';
export { checkDkms, type DkmsRequest } from './dkms/check.js';
export { dkmsReportSchema, type DkmsReport, type DkmsBuildReport } from './dkms/schema.js';
export { loadKernel, type LoadKernelOptions } from './kernel/load.js';
export { readModule, moduleFactsFromBuffer, type ReadOptions } from './module/read.js';
export { DEFAULT_MAX_MODULE_SIZE } from './codec/decompress.js';
export { ByteBudget, DEFAULT_READ_BUDGET } from './codec/budget.js';
export { reportSchema, frameSchema, type Report, type ModuleReport, type FindingJson } from './report/schema.js';
export { formatText } from './report/text.js';
export { InputError, ElfFormatError, ParseError, DwarfFormatError } from './errors.js';
export { attachFrames, inlineHint, type FramesOptions } from './explain/frames.js';
export type { Frame } from './dwarf/frames.js';
export type { ExportType, Export, KernelBuild, KernelVersion } from './kernel/types.js';
export type { ModuleFacts, Import, Reference } from './module/types.js';
export type { Finding, RuleId, Stage, Severity, Rule } from './rules/types.js';
export { ruleDocs, RULE_IDS } from './rules/index.js';
export type { RuleInfo, VersionRow } from './rules/info.js';
