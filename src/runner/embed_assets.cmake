# cmake -DASSET_DIR=<assets> -DOUTPUT=<file.cpp> -P embed_assets.cmake
# Writes the in-container Python sources as string_view accessors (declared in src/runner/assets.h).
# Raw string literals keep the sources byte for byte; a source containing the delimiter is refused.
set(delimiter "hardend_asset")
set(assets "bootstrap.py=bootstrap_source" "executor.py=executor_source"
           "CommonServerPython.py=common_server_source")

set(body "// Generated from assets/*.py by src/runner/embed_assets.cmake: edit the assets, not this file.\n")
string(APPEND body "#include \"runner/assets.h\"\n\nnamespace hardend::runner {\n")
foreach(asset ${assets})
  string(REPLACE "=" ";" parts "${asset}")
  list(GET parts 0 file_name)
  list(GET parts 1 function_name)
  file(READ "${ASSET_DIR}/${file_name}" content)
  string(FIND "${content}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${ASSET_DIR}/${file_name} contains the raw-string delimiter )${delimiter}\"")
  endif()
  string(APPEND body "\nstd::string_view ${function_name}() {\n")
  string(APPEND body "  static constexpr char text[] = R\"${delimiter}(${content})${delimiter}\";\n")
  string(APPEND body "  return {text, sizeof(text) - 1};\n}\n")
endforeach()
string(APPEND body "\n}  // namespace hardend::runner\n")

# Rewrite only on change, so that an unrelated reconfigure does not rebuild the runner.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" previous)
endif()
if(NOT "${previous}" STREQUAL "${body}")
  file(WRITE "${OUTPUT}" "${body}")
endif()
