using System;
using Steering.Examples;

CacheAndEdit.CacheAndEditExample.Run(ExampleModel.Folder(args), Console.Out);
