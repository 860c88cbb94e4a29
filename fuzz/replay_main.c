/*
 * A main() for fuzz targets built without libFuzzer: runs
 * LLVMFuzzerTestOneInput once on every file named on the command line, and
 * on every regular file inside each directory named there. The normal test
 * suite uses it to replay the seed corpora and the saved crash inputs, so
 * those inputs keep being checked with gcc and without -Dfuzz=true.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Returns 0 after running the input in path, or -1 when it cannot be read. */
static int replay_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "replay: failed to open %s: %s\n", path, strerror(errno));
        return -1;
    }

    int rc = -1;
    uint8_t *data = NULL;
    if (fseek(file, 0, SEEK_END) != 0)
        goto cleanup;
    long size = ftell(file);
    if (size < 0 || fseek(file, 0, SEEK_SET) != 0)
        goto cleanup;

    /* One extra byte so an empty input still gets a distinct pointer. */
    data = malloc((size_t)size + 1);
    if (data == NULL)
        goto cleanup;
    if (fread(data, 1, (size_t)size, file) != (size_t)size)
        goto cleanup;

    LLVMFuzzerTestOneInput(data, (size_t)size);
    rc = 0;

cleanup:
    if (rc != 0)
        fprintf(stderr, "replay: failed to read %s\n", path);
    free(data);
    fclose(file);
    return rc;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file in directory, in name order. Returns the
 * number of inputs run, or -1 on a read error. */
static int replay_directory(const char *directory)
{
    DIR *dir = opendir(directory);
    if (dir == NULL) {
        fprintf(stderr, "replay: failed to open directory %s: %s\n", directory, strerror(errno));
        return -1;
    }

    char **paths = NULL;
    size_t count = 0;
    int rc = -1;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        char **grown = realloc(paths, (count + 1) * sizeof(*paths));
        if (grown == NULL)
            goto cleanup;
        paths = grown;
        size_t length = strlen(directory) + strlen(entry->d_name) + 2;
        paths[count] = malloc(length);
        if (paths[count] == NULL)
            goto cleanup;
        snprintf(paths[count], length, "%s/%s", directory, entry->d_name);
        count++;
    }
    qsort(paths, count, sizeof(*paths), compare_names);

    int run = 0;
    for (size_t i = 0; i < count; i++) {
        struct stat info;
        if (stat(paths[i], &info) != 0 || !S_ISREG(info.st_mode))
            continue;
        if (replay_file(paths[i]) != 0)
            goto cleanup;
        run++;
    }
    rc = run;

cleanup:
    for (size_t i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
    closedir(dir);
    return rc;
}

int main(int argc, char **argv)
{
    int total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat info;
        if (stat(argv[i], &info) != 0) {
            /* A target without saved crash inputs has no regressions
             * directory; that is not an error. */
            if (errno == ENOENT)
                continue;
            fprintf(stderr, "replay: failed to stat %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        int run = S_ISDIR(info.st_mode) ? replay_directory(argv[i]) : replay_file(argv[i]) == 0;
        if (run < 0)
            return 1;
        total += run;
    }
    printf("replay: %d inputs ran without a crash\n", total);
    return 0;
}
