using System;
using Steering.Examples;

WrapperModule.WrapperModuleExample.Run(ExampleModel.Folder(args), Console.Out);
