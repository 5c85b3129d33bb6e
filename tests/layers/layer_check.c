/* Linked with one layer's whole library and the layers below it only: it
 * links when that layer takes nothing from a layer above (CMakeLists.txt). */
int main(void)
{
    return 0;
}
