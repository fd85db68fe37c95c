// DI decorators need the metadata polyfill before any decorated class loads (DEPENDENCIES.md trap 2).
import "reflect-metadata";
