using System;
using Steering.Examples;

SteerAtDsl.SteerAtDslExample.Run(ExampleModel.Folder(args), Console.Out);
