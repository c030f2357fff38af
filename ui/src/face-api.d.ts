// The console imports face-api's browser build by its path (its `main` is
// the Node build, which needs tfjs-node); the types are the package's own.
declare module '@vladmandic/face-api/dist/face-api.esm.js' {
  export * from '@vladmandic/face-api';
}
