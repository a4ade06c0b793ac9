"""Code generation: standalone, vectorised NumPy training modules for chainrule networks.

``codegen.emit`` renders and writes a module (``write_module``, ``regenerate_all``);
``codegen.expressions`` derives and prints its element-wise code from the registries with
``codegen.printer``; ``codegen.check`` verifies a module's gradients numerically;
``codegen.codegen_cmd`` adds the ``codegen`` and ``check`` subcommands.
"""
