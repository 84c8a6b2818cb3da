export * from './moto';
export * from './seed';
export * from './sinks';
export * from './counting-proxy';
export { HANDLER_ZIP, zipSingleFile } from './zip';
