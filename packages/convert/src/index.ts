export { createConvertHandler } from './convert-handler.ts';
export type { ConvertHandlerDependencies } from './convert-handler.ts';
export { ConversionRefused, runConversion } from './conversions.ts';
export type { ConversionContext, ConversionOutput } from './conversions.ts';
