using System;
using Steering.Examples;

RawHooks.RawHooksExample.Run(ExampleModel.Folder(args), Console.Out);
